using System.Collections;
using ParallelGen.Platform;
using ParallelGen.Protocol;

namespace ParallelGen.Backends.Process;

/// <summary>Starts worker processes and hands back the parent's ends of their pipes.</summary>
/// <remarks>
/// The child gets only its three pipe ends, at fixed descriptors (<see cref="WorkerStartInfo.DataInFd"/> and the
/// others): all pipes are close-on-exec, so a worker can never hold a sibling's pipe open. Its stdout and stderr are
/// the parent's, as in Python.
/// </remarks>
internal static class WorkerLauncher
{
    private static readonly Lazy<LaunchCommand> s_command = new(LaunchCommand.Resolve);

    /// <summary>Gets how workers are started in this process (JIT host or the Native AOT application itself).</summary>
    public static LaunchCommand Command => s_command.Value;

    /// <summary>Starts a worker process.</summary>
    /// <param name="maxFrameLength">The largest frame either side accepts.</param>
    /// <param name="taskTimeoutMilliseconds">How long one call may run; 0 for no limit.</param>
    /// <param name="identity">What <c>CurrentProcess</c> tells the worker about itself (its role and name).</param>
    /// <exception cref="IOException">The process or its pipes could not be created.</exception>
    public static WorkerPipes Spawn(int maxFrameLength, int taskTimeoutMilliseconds = 0, string identity = "")
    {
        LaunchCommand command = Command;
        (Pipe childIn, Pipe parentOut) = Pipe.Create();
        (Pipe parentIn, Pipe childOut) = Pipe.Create();
        (Pipe childControl, Pipe parentControl) = Pipe.Create();
        try
        {
            parentOut.TryGrowBuffer(1024 * 1024);
            childOut.TryGrowBuffer(1024 * 1024);
            parentOut.SetNonBlocking();

            string info = new WorkerStartInfo(Environment.ProcessId, maxFrameLength, taskTimeoutMilliseconds, command.SelfHosted, identity).Encode();
            ChildProcess process = ChildProcess.Start(
                command.FileName,
                command.Arguments,
                BuildEnvironment(info),
                (childIn, WorkerStartInfo.DataInFd),
                (childOut, WorkerStartInfo.DataOutFd),
                (childControl, WorkerStartInfo.ControlInFd));
            return new WorkerPipes(process, parentOut, parentIn, parentControl);
        }
        catch
        {
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

    private static List<string> BuildEnvironment(string workerInfo)
    {
        List<string> environment = [];
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            string key = (string)entry.Key;
            if (key != WorkerStartInfo.EnvironmentVariable)
            {
                environment.Add($"{key}={entry.Value}");
            }
        }

        environment.Add($"{WorkerStartInfo.EnvironmentVariable}={workerInfo}");
        if (!environment.Exists(v => v.StartsWith("DOTNET_gcConcurrent=", StringComparison.OrdinalIgnoreCase) || v.StartsWith("COMPlus_gcConcurrent=", StringComparison.OrdinalIgnoreCase)))
        {
            // Workers run batch work, where a background GC only costs: while one runs, the runtime throttles large
            // allocations, and a task that receives or returns a 64 MiB array then waits hundreds of milliseconds for
            // it. Set DOTNET_gcConcurrent in the parent's environment to choose otherwise.
            environment.Add("DOTNET_gcConcurrent=0");
        }

        return environment;
    }
}

/// <summary>A freshly spawned worker: its process and the parent's ends of its pipes.</summary>
internal sealed record WorkerPipes(ChildProcess Process, Pipe DataOut, Pipe DataIn, Pipe ControlOut)
{
    public int Pid => Process.Pid;
}
