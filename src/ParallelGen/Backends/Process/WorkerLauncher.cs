using System.Collections;
using ParallelGen.Platform;
using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Backends.Process;

/// <summary>Starts worker processes and hands back the parent's ends of their pipes.</summary>
/// <remarks>
/// The child gets only its three pipe ends: on Linux at fixed descriptors (<see cref="WorkerStartInfo.DataInFd"/> and
/// the others), every other descriptor of the parent being closed in it; on Windows as handles in an explicit
/// inheritance list, their values in <see cref="WorkerStartInfo"/>. So a worker can never hold a sibling's pipe or a
/// file of the parent open. On Linux its stdin is the null device; its stdout and stderr are the parent's, as in
/// Python. Unless <see cref="WorkerSettings.KeepDescendants"/>, on Linux it leads a process group of its own, so that
/// the processes its tasks start end with it (on Windows they end with the parent's worker job).
/// </remarks>
internal static class WorkerLauncher
{
    private static readonly Lazy<LaunchCommand> s_command = new(LaunchCommand.Resolve);

    /// <summary>Gets how workers are started in this process (JIT host or the Native AOT application itself).</summary>
    public static LaunchCommand Command => s_command.Value;

    /// <summary>Starts a worker process.</summary>
    /// <param name="settings">The frame limit, the task timeout and the other things a worker starts with.</param>
    /// <param name="identity">What <c>CurrentProcess</c> tells the worker about itself (its role and name).</param>
    /// <exception cref="IOException">The process or its pipes could not be created.</exception>
    public static WorkerPipes Spawn(WorkerSettings settings, string identity = "")
    {
        int maxFrameLength = settings.MaxFrameLength;
        int taskTimeoutMilliseconds = settings.TaskTimeoutMilliseconds;
        LaunchCommand command = Command;
        (Pipe childIn, Pipe parentOut) = Pipe.Create();
        (Pipe parentIn, Pipe childOut) = Pipe.Create();
        (Pipe childControl, Pipe parentControl) = Pipe.Create();
        RunCell? cell = null;
        try
        {
            cell = RunCell.Create();
            parentOut.TryGrowBuffer(1024 * 1024);
            childOut.TryGrowBuffer(1024 * 1024);
            parentOut.SetNonBlocking();

            string info = new WorkerStartInfo(
                Environment.ProcessId,
                maxFrameLength,
                taskTimeoutMilliseconds,
                command.SelfHosted,
                identity,
                cell.Name,
                childIn.ValueInChild(WorkerStartInfo.DataInFd),
                childOut.ValueInChild(WorkerStartInfo.DataOutFd),
                childControl.ValueInChild(WorkerStartInfo.ControlInFd)).Encode();
            ChildProcess process = ChildProcess.Start(
                command.FileName,
                command.Arguments,
                BuildEnvironment(info, command.Environment, settings.Diagnostics),
                ownProcessGroup: !settings.KeepDescendants,
                (childIn, WorkerStartInfo.DataInFd),
                (childOut, WorkerStartInfo.DataOutFd),
                (childControl, WorkerStartInfo.ControlInFd));
            return new WorkerPipes(process, parentOut, parentIn, parentControl, cell);
        }
        catch
        {
            cell?.Dispose();
            parentOut.Dispose();
            parentIn.Dispose();
            parentControl.Dispose();
            throw;
        }
        finally
        {
            childIn.Dispose();
            childOut.Dispose();
            childControl.Dispose();
        }
    }

    /// <summary>Gets this process's environment as one string, to tell workers started in another one apart.</summary>
    public static string EnvironmentKey() => string.Join('\0', BuildEnvironment("", extra: null, diagnostics: false).Order(StringComparer.Ordinal));

    private static List<string> BuildEnvironment(string workerInfo, IReadOnlyList<string>? extra, bool diagnostics)
    {
        List<string> environment = [];
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            string key = (string)entry.Key;
            if (key != WorkerStartInfo.EnvironmentVariable && extra?.Any(v => v.StartsWith(key + "=", StringComparison.OrdinalIgnoreCase)) != true)
            {
                environment.Add($"{key}={entry.Value}");
            }
        }

        environment.AddRange(extra ?? []);

        environment.Add($"{WorkerStartInfo.EnvironmentVariable}={workerInfo}");
        if (!environment.Exists(v => v.StartsWith("DOTNET_gcConcurrent=", StringComparison.OrdinalIgnoreCase) || v.StartsWith("COMPlus_gcConcurrent=", StringComparison.OrdinalIgnoreCase)))
        {
            // Workers run batch work, where a background GC only costs: while one runs, the runtime throttles large
            // allocations, and a task that receives or returns a 64 MiB array then waits hundreds of milliseconds for
            // it. Set DOTNET_gcConcurrent in the parent's environment to choose otherwise.
            environment.Add("DOTNET_gcConcurrent=0");
        }

        if (!diagnostics && !environment.Exists(v => v.StartsWith("DOTNET_EnableDiagnostics", StringComparison.OrdinalIgnoreCase) || v.StartsWith("COMPlus_EnableDiagnostics", StringComparison.OrdinalIgnoreCase)))
        {
            // No diagnostic socket, debugger pipes or profiler in workers unless asked for (WorkerDiagnostics, or the
            // parent's own DOTNET_EnableDiagnostics): they are endpoints into the process, and a worker killed with
            // SIGKILL would leave their files in /tmp for ever.
            environment.Add("DOTNET_EnableDiagnostics=0");
        }

        return environment;
    }
}

/// <summary>A freshly spawned worker: its process, the parent's ends of its pipes, and the cell where it records the run it took up.</summary>
internal sealed record WorkerPipes(ChildProcess Process, Pipe DataOut, Pipe DataIn, Pipe ControlOut, RunCell Cell)
{
    public int Pid => Process.Pid;
}
