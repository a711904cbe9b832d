namespace ParallelGen;

/// <summary>A worker process died while it held this call: it was killed, exited, or broke the protocol.</summary>
/// <remarks>
/// The pool replaces the worker and keeps serving. A task marked <c>[ProcessTask(MaxRetries = n)]</c> is run again
/// on another worker up to <c>n</c> times before this exception is reported. On a cluster pool, a worker node lost
/// with the calls it held raises the derived <c>NodeLostException</c> (package <c>ParallelGen.Orleans</c>).
/// </remarks>
public class WorkerCrashedException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public WorkerCrashedException(int workerPid, int? exitCode, string? detail = null, string? taskName = null)
        : base(Describe(workerPid, exitCode, detail, taskName))
    {
        WorkerPid = workerPid;
        ExitCode = exitCode;
        TaskName = taskName;
    }

    /// <summary>Initializes a new instance with its own message: for derived exceptions (a lost cluster node).</summary>
    internal WorkerCrashedException(string message, int workerPid, int? exitCode, string? taskName)
        : base(message)
    {
        WorkerPid = workerPid;
        ExitCode = exitCode;
        TaskName = taskName;
    }

    /// <summary>Gets the process id of the worker that died.</summary>
    public int WorkerPid { get; }

    /// <summary>
    /// Gets the worker's exit status as Python reports it: the exit code, or minus the signal number when a signal
    /// killed it (-9 for SIGKILL). <see langword="null"/> if the status could not be collected.
    /// </summary>
    public int? ExitCode { get; }

    /// <summary>Gets the number of the signal that killed the worker, if a signal did.</summary>
    public int? Signal => ExitCode < 0 ? -ExitCode : null;

    /// <summary>Gets the name of the task whose call failed, when known.</summary>
    public string? TaskName { get; }

    private static string Describe(int pid, int? exitCode, string? detail, string? taskName)
    {
        string how = exitCode switch
        {
            null => "died",
            < 0 => $"was killed by signal {-exitCode.Value}{SignalName(-exitCode.Value)}",
            _ => $"exited with code {exitCode}",
        };
        string task = taskName is null ? "" : $" while running {taskName}";
        string extra = string.IsNullOrEmpty(detail) ? "" : $": {detail}";
        return $"Worker process {pid} {how}{task}{extra}.";
    }

    private static string SignalName(int signal) => signal switch
    {
        2 => " (SIGINT)",
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    };
}
