using ParallelGen.Backends;
using ParallelGen.Backends.Process;
using ParallelGen.Diagnostics;
using ParallelGen.Pool;

namespace ParallelGen;

/// <summary>
/// A pool of worker processes that run <c>[ProcessTask]</c> methods: the .NET counterpart of Python's
/// <c>multiprocessing.Pool</c>.
/// </summary>
/// <remarks>
/// <para>Workers are real OS processes, started when the pool is created and replaced when they die or retire.
/// A task's exception reaches the caller as <see cref="RemoteTaskException"/>; a worker that dies fails only the calls
/// it held, with <see cref="WorkerCrashedException"/>, and the pool carries on.</para>
/// <para><see cref="Dispose"/> terminates the workers at once (like leaving Python's <c>with Pool()</c> block);
/// <see cref="DisposeAsync"/> lets queued work finish first. All members are thread-safe.</para>
/// <para>The class is not sealed only so that the cluster pool of the <c>ParallelGen.Orleans</c> package can be a
/// <see cref="ProcessPool"/> (every call shape and its generated interceptors then work on it unchanged); it has no
/// virtual or protected members, so deriving from it elsewhere adds nothing.</para>
/// </remarks>
public partial class ProcessPool
{
    private readonly PoolScheduler _scheduler;
    private readonly PoolTelemetry _telemetry;

    /// <summary>Starts a pool of <see cref="Environment.ProcessorCount"/> worker processes.</summary>
    public ProcessPool()
        : this(new ProcessPoolOptions())
    {
    }

    /// <summary>Starts a pool of <paramref name="processes"/> worker processes.</summary>
    public ProcessPool(int processes)
        : this(new ProcessPoolOptions { Processes = processes })
    {
    }

    /// <summary>Starts a pool with the given options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">Workers cannot be started in this environment; the message says why.</exception>
    /// <exception cref="PlatformNotSupportedException">The operating system is not supported (Linux today; see README).</exception>
    public ProcessPool(ProcessPoolOptions options)
        : this(Validated(options), new PoolTelemetry(options.Name ?? ProcessPoolOptions.DefaultName))
    {
    }

    private ProcessPool(ProcessPoolOptions options, PoolTelemetry telemetry)
        : this(options, CreateProcessBackend(options, telemetry), TimeProvider.System, telemetry)
    {
    }

    /// <summary>Starts a pool whose workers run on <paramref name="backend"/>: the seam for other backends, and for tests.</summary>
    internal ProcessPool(ProcessPoolOptions options, IWorkerBackend backend, TimeProvider time, PoolTelemetry? telemetry = null)
    {
        options.Validate();
        WorkerReuse? reuse = options.ReuseWorkers && backend.ReuseKey is { } shape
            ? new WorkerReuse($"{shape}|{options.Initializer?.ReuseKey}", options.IdleWorkerTimeout)
            : null;
        _telemetry = telemetry ?? new PoolTelemetry(options.Name ?? ProcessPoolOptions.DefaultName);
        _scheduler = new PoolScheduler(
            options.ResolveProcesses(),
            backend,
            new SchedulerSettings(options.MaxTasksPerWorker, options.WorkerStartTimeout, TaskTimeoutMilliseconds(options), options.Initializer, reuse, options.ConcurrentCallbacks),
            time,
            _telemetry);
        _telemetry.Sender = this;
        _telemetry.Post = _scheduler.Callbacks.Post;
        _scheduler.WorkerLaunched += channel => WorkerStartedForTesting?.Invoke(channel.Id);
        _scheduler.HealthChanged += (health, cause) => HealthChanged?.Invoke(this, new PoolHealthChangedEventArgs(health, cause));
        PoolRegistry.Add(this);
        try
        {
            _scheduler.Start();
        }
        catch
        {
            Terminate();
            throw;
        }
    }

    /// <summary>Gets the number of worker processes the pool keeps running.</summary>
    /// <remarks>On a cluster pool: the worker processes of the nodes attached now, which changes as nodes come and go.</remarks>
    public int Processes => WorkerCapacity;

    /// <summary>Gets the pool's name (<see cref="ProcessPoolOptions.Name"/>): the <c>parallelgen.pool.name</c> tag of its metrics and spans.</summary>
    public string Name => _telemetry.Name;

    /// <summary>Gets the process ids of the workers alive now (they change as workers are replaced).</summary>
    public IReadOnlyList<int> WorkerPids => _scheduler.WorkerIds;

    /// <summary>
    /// Gets whether the pool has all its workers (<see cref="PoolHealth.Healthy"/>), serves with fewer while it keeps
    /// trying to start the others (<see cref="PoolHealth.Degraded"/>), or has none and fails calls
    /// (<see cref="PoolHealth.Unavailable"/>). See <c>docs/reliability.md</c>.
    /// </summary>
    public PoolHealth Health => _scheduler.Health;

    /// <summary>
    /// Raised when <see cref="Health"/> changes, in order, on a pool thread and outside every lock of the pool; the
    /// arguments carry why a worker could not start.
    /// </summary>
    public event EventHandler<PoolHealthChangedEventArgs>? HealthChanged;

    /// <summary>
    /// Shuts down every idle worker that disposed pools left for the next pool of the same shape
    /// (<see cref="ProcessPoolOptions.ReuseWorkers"/>), now rather than after <see cref="ProcessPoolOptions.IdleWorkerTimeout"/>.
    /// </summary>
    public static void ReleaseIdleWorkers() => IdleWorkers.ReleaseAll();

    /// <summary>Gets the number of workers that calls are sized for (default chunk size, the lazy calls' input window).</summary>
    /// <remarks>The scheduler's slot count here; a cluster pool has more slots than it has workers now.</remarks>
    internal virtual int WorkerCapacity => _scheduler.Workers;

    /// <summary>Throws if the pool takes no new work (closed, terminated, or unable to start workers).</summary>
    internal void EnsureAccepting() => _scheduler.ThrowIfNotAccepting();

    /// <summary>Adds a call to the pool's queue; also how a cluster node hands its local pool the runs it received.</summary>
    internal void Submit(IWorkSource source) => _scheduler.Submit(source);

    private static ProcessPoolOptions Validated(ProcessPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    private static ProcessBackend CreateProcessBackend(ProcessPoolOptions options, PoolTelemetry telemetry)
    {
        // Resolve the launch command first, so that a broken environment fails here with its reason.
        ProcessBackend.EnsureCanLaunch();
        return new ProcessBackend(
            new WorkerSettings(options.MaxMessageSize, TaskTimeoutMilliseconds(options), options.WorkerDiagnostics, options.KeepWorkerDescendants),
            Protocol.WorkerIdentity.OfNextPoolWorker,
            telemetry);
    }

    private static int TaskTimeoutMilliseconds(ProcessPoolOptions options) =>
        options.TaskTimeout is { } timeout ? (int)Math.Ceiling(timeout.TotalMilliseconds) : 0;
}
