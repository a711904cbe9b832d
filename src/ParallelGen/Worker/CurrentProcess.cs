using ParallelGen.Protocol;

namespace ParallelGen;

/// <summary>
/// The process this code runs in, as ParallelGen sees it (Python's <c>current_process()</c> and
/// <c>parent_process()</c>): its name, pid, the pid of the process that started it, and whether it is a pool worker.
/// </summary>
/// <example><code>if (CurrentProcess.IsPoolWorker) Console.WriteLine($"{CurrentProcess.Name} ({CurrentProcess.Pid}) of {CurrentProcess.ParentPid}");</code></example>
public static class CurrentProcess
{
    /// <summary>
    /// Gets the process's name: <c>MainProcess</c> in the application, the <see cref="WorkerProcess.Name"/> it was
    /// given in a <see cref="WorkerProcess"/> (<c>WorkerProcess-1</c> by default), <c>PoolWorker-N</c> in a pool worker
    /// (numbered from 1 across the pools of the parent, replacements included), as Python's <c>current_process().name</c>.
    /// </summary>
    public static string Name { get; private set; } = "MainProcess";

    /// <summary>Gets the process id (<see cref="Environment.ProcessId"/>; Python's <c>current_process().pid</c>).</summary>
    public static int Pid => Environment.ProcessId;

    /// <summary>
    /// Gets the pid of the process that started this one, for a worker process or pool worker; <see langword="null"/>
    /// in a process ParallelGen did not start, where Python's <c>parent_process()</c> is <c>None</c>.
    /// </summary>
    public static int? ParentPid { get; private set; }

    /// <summary>Gets what this process is: the application, a <see cref="WorkerProcess"/>, or a pool worker.</summary>
    public static ProcessRole Role { get; private set; } = ProcessRole.Main;

    /// <summary>Gets whether this process is a worker of a <see cref="ProcessPool"/>.</summary>
    public static bool IsPoolWorker => Role == ProcessRole.PoolWorker;

    /// <summary>Sets what a worker is told about itself at start: the parent's pid and the identity it was given.</summary>
    internal static void InitializeWorker(WorkerStartInfo info)
    {
        ParentPid = info.ParentPid;
        (Role, Name) = WorkerIdentity.Decode(info.Identity);
    }
}
