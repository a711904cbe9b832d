using ParallelGen.Diagnostics;

namespace ParallelGen.Backends.Process;

/// <summary>The default backend: every worker is a child process of this one, talking over anonymous pipes.</summary>
/// <param name="maxFrameLength">The largest frame either side accepts.</param>
/// <param name="taskTimeoutMilliseconds">How long one call may run before the worker's own watchdog stops it; 0 for no limit.</param>
/// <param name="identity">Gives each new worker what <c>CurrentProcess</c> will tell it about itself (role and name).</param>
/// <param name="telemetry">Where the channels report the bytes they move, if anywhere.</param>
internal sealed class ProcessBackend(int maxFrameLength, int taskTimeoutMilliseconds, Func<string> identity, PoolTelemetry? telemetry = null) : IWorkerBackend
{
    /// <summary>Checks that workers can be started in this environment, so that a broken one fails with its reason at once.</summary>
    /// <exception cref="InvalidOperationException">They cannot; the message says why.</exception>
    /// <exception cref="PlatformNotSupportedException">The operating system is not supported.</exception>
    public static void EnsureCanLaunch() => _ = WorkerLauncher.Command;

    public IWorkerChannel Launch(IWorkerEvents events) =>
        new ProcessChannel(events, WorkerLauncher.Spawn(maxFrameLength, taskTimeoutMilliseconds, identity()), maxFrameLength, telemetry);
}
