using ParallelGen.Diagnostics;

namespace ParallelGen.Backends.Process;

/// <summary>The default backend: every worker is a child process of this one, talking over anonymous pipes.</summary>
/// <param name="settings">What every worker of this backend is started with.</param>
/// <param name="identity">Gives each new worker what <c>CurrentProcess</c> will tell it about itself (role and name).</param>
/// <param name="telemetry">Where the channels report the bytes they move, if anywhere.</param>
internal sealed class ProcessBackend(WorkerSettings settings, Func<string> identity, PoolTelemetry? telemetry = null) : IWorkerBackend
{
    private readonly string _reuseKey = $"process|{settings.MaxFrameLength}|{settings.TaskTimeoutMilliseconds}|{settings.Diagnostics}|{settings.KeepDescendants}|{WorkerLauncher.EnvironmentKey()}";

    public ProcessBackend(int maxFrameLength, int taskTimeoutMilliseconds, Func<string> identity)
        : this(new WorkerSettings(maxFrameLength, taskTimeoutMilliseconds), identity)
    {
    }

    /// <summary>Gets what the workers are started with.</summary>
    public WorkerSettings Settings => settings;

    /// <inheritdoc/>
    /// <remarks>Also the environment this process had when the backend was made: a worker keeps the one it started with.</remarks>
    public string ReuseKey => _reuseKey;

    /// <summary>Checks that workers can be started in this environment, so that a broken one fails with its reason at once.</summary>
    /// <exception cref="InvalidOperationException">They cannot; the message says why.</exception>
    /// <exception cref="PlatformNotSupportedException">The operating system is not supported.</exception>
    public static void EnsureCanLaunch() => _ = WorkerLauncher.Command;

    public IWorkerChannel Launch(IWorkerEvents events) =>
        new ProcessChannel(events, WorkerLauncher.Spawn(settings, identity()), settings.MaxFrameLength, telemetry);
}

/// <summary>What a worker process is started with.</summary>
/// <param name="MaxFrameLength">The largest frame either side accepts.</param>
/// <param name="TaskTimeoutMilliseconds">How long one call may run before the worker's own watchdog stops it; 0 for no limit.</param>
/// <param name="Diagnostics">Whether the worker's runtime opens its diagnostic endpoints (debugger, EventPipe socket).</param>
/// <param name="KeepDescendants">Whether processes the worker's tasks start may outlive the worker.</param>
internal sealed record WorkerSettings(int MaxFrameLength, int TaskTimeoutMilliseconds, bool Diagnostics = false, bool KeepDescendants = false);
