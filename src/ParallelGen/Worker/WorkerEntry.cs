using System.ComponentModel;
using ParallelGen.Protocol;
using ParallelGen.Worker;

namespace ParallelGen.Dispatch;

/// <summary>Where a worker process enters ParallelGen. Called by generated code and by the JIT worker launcher.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkerEntry
{
    /// <summary>
    /// Called by generated code at the start of an executable, after its dispatch tables are registered. In a process
    /// that ParallelGen launched as a Native AOT worker (the application re-launched), runs the worker loop and exits;
    /// everywhere else it returns at once.
    /// </summary>
    public static void RunIfWorker()
    {
        if (Environment.GetEnvironmentVariable(WorkerStartInfo.EnvironmentVariable) is not { } value || !value.EndsWith(";self", StringComparison.Ordinal))
        {
            return;
        }

        WorkerStartInfo info = WorkerStartInfo.TakeFromEnvironment()!;
        Environment.Exit(WorkerHost.Run(info));
    }

    /// <summary>The entry of <c>ParallelGen.WorkerHost.dll</c>, the launcher of JIT workers.</summary>
    public static int RunHosted()
    {
        WorkerStartInfo info = WorkerStartInfo.TakeFromEnvironment()
            ?? throw new InvalidOperationException(
                "ParallelGen.WorkerHost is started by ProcessPool, not by hand: the worker pipes and settings are missing.");
        return WorkerHost.Run(info);
    }
}
