namespace ParallelGen;

/// <summary>Settings of a <see cref="ProcessPool"/>.</summary>
public sealed class ProcessPoolOptions
{
    /// <summary>The default of <see cref="MaxMessageSize"/>: 256 MiB.</summary>
    public const int DefaultMaxMessageSize = Transport.FrameBuffer.DefaultMaxFrameLength;

    /// <summary>The name of a pool whose <see cref="Name"/> is not set: <c>ProcessPool</c>.</summary>
    public const string DefaultName = "ProcessPool";

    /// <summary>
    /// Gets or sets the pool's name: the <c>parallelgen.pool.name</c> tag of its metrics and spans
    /// (<c>docs/observability.md</c>), and the name the hosting package registers it under. Pools that share a name
    /// are reported together. Keep it fixed (not one per batch) so that the metrics keep few series.
    /// Default: <see cref="DefaultName"/>.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets the number of worker processes. Default: <see cref="Environment.ProcessorCount"/>
    /// (Python's <c>processes</c>).
    /// </summary>
    public int? Processes { get; set; }

    /// <summary>
    /// Gets or sets after how many task invocations a worker is retired and replaced by a fresh process, which bounds
    /// what a leaky task can accumulate (Python's <c>maxtasksperchild</c>). Counted per item, also inside chunks.
    /// Default: <see langword="null"/>, workers live as long as the pool.
    /// </summary>
    public int? MaxTasksPerWorker { get; set; }

    /// <summary>
    /// Gets or sets the largest frame, in bytes, that parent and workers accept: a call's serialized arguments or a
    /// chunk's serialized results. A corrupt length prefix can never make either side allocate more than this.
    /// Default: <see cref="DefaultMaxMessageSize"/>.
    /// </summary>
    public int MaxMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>
    /// Gets or sets how long a new worker may take to start, report ready and run the <see cref="Initializer"/> before
    /// it is killed, which counts as a failed start: the pool tries again with a back-off, serving with the workers it
    /// has meanwhile, and fails calls only while it has none and three starts in a row have failed
    /// (<see cref="ProcessPool.Health"/>). Default: 60 seconds.
    /// </summary>
    public TimeSpan WorkerStartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how long one call may run in a worker: an <c>Apply</c>/<c>ApplyAsync</c> call, or a chunk of a
    /// bulk call (n items get n times this). A call that runs longer fails with <see cref="TimeoutException"/>; its
    /// worker, stuck in the task, is stopped and replaced; the other calls it held are sent to other workers, and
    /// nothing else is affected. The worker enforces it; should the worker be unable to (frozen with <c>SIGSTOP</c>,
    /// say), the parent kills it one second later. Default: no limit.
    /// </summary>
    public TimeSpan? TaskTimeout { get; set; }

    /// <summary>
    /// Gets or sets a task every worker runs once before its first task (Python's <c>initializer</c> and
    /// <c>initargs</c>), created with <c>PoolInitializer.Create(Setup, arg1, ...)</c>. It is part of the worker's start:
    /// <see cref="WorkerStartTimeout"/> covers it, <see cref="TaskTimeout"/> does not. Default: none.
    /// </summary>
    public PoolInitializer? Initializer { get; set; }

    /// <summary>
    /// Gets or sets whether the idle workers of a disposed pool serve the next pool of the same shape in this process
    /// (same options that reach a worker: <see cref="MaxMessageSize"/>, <see cref="TaskTimeout"/>,
    /// <see cref="WorkerDiagnostics"/>, <see cref="KeepWorkerDescendants"/>, the same <see cref="Initializer"/> task and arguments, and the same environment),
    /// so that code opening a pool per batch pays for starting workers once. A reused worker keeps its static fields.
    /// Workers busy when their pool is disposed are killed, never reused. Default: <see langword="true"/>.
    /// </summary>
    public bool ReuseWorkers { get; set; } = true;

    /// <summary>
    /// Gets or sets how long an idle worker of a disposed pool waits for the next pool before it exits
    /// (see <see cref="ReuseWorkers"/>; <see cref="ProcessPool.ReleaseIdleWorkers"/> ends them at once). Default: 10 seconds.
    /// </summary>
    public TimeSpan IdleWorkerTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets whether workers open the .NET runtime's diagnostic endpoints (the <c>dotnet-diagnostic</c> socket
    /// that <c>dotnet-trace</c>, <c>dotnet-counters</c> and <c>dotnet-dump</c> connect to, and the debugger's pipes). Off
    /// by default: they are ways into the process, and a worker killed with SIGKILL would leave their files behind in
    /// the temporary directory. Turn it on to trace or debug workers; a <c>DOTNET_EnableDiagnostics</c> variable in the
    /// parent's environment decides instead, for the parent and the workers alike. Default: <see langword="false"/>.
    /// </summary>
    public bool WorkerDiagnostics { get; set; }

    /// <summary>
    /// Gets or sets whether processes that tasks start may outlive their worker. By default each worker leads a process
    /// group of its own, which the processes its tasks start join, and the group is killed when the worker ends: when
    /// the pool is disposed or terminated, when the worker crashes, is killed or times out, and when the parent process
    /// dies. Turn it on for tasks that mean to leave a process running (a server, a daemon); a process that leaves the
    /// group by itself (<c>setsid</c>, as daemons do) outlives the worker either way. Default: <see langword="false"/>.
    /// </summary>
    public bool KeepWorkerDescendants { get; set; }

    /// <summary>
    /// Gets or sets whether <c>ApplyAsync</c> callbacks may run at the same time as each other, on thread-pool threads,
    /// in no set order. By default they run one at a time, in the order the results arrive, as Python's do, so that a
    /// callback may append to a plain list; a callback that blocks then delays the later callbacks (never the workers).
    /// Default: <see langword="false"/>.
    /// </summary>
    public bool ConcurrentCallbacks { get; set; }

    internal int ResolveProcesses()
    {
        int processes = Processes ?? Environment.ProcessorCount;
        if (processes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Processes), processes, "A pool needs at least one worker process.");
        }

        return processes;
    }

    internal void Validate()
    {
        ResolveProcesses();
        if (Name is not null && string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("Name must not be empty or white space; leave it null for the default.", nameof(Name));
        }

        if (MaxTasksPerWorker is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTasksPerWorker), MaxTasksPerWorker, "MaxTasksPerWorker must be at least 1.");
        }

        if (MaxMessageSize < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize, "MaxMessageSize must be at least 1024 bytes.");
        }

        if (TaskTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(TaskTimeout), timeout, "TaskTimeout must be positive and below 24 days.");
        }

        if (IdleWorkerTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleWorkerTimeout), IdleWorkerTimeout, "IdleWorkerTimeout cannot be negative.");
        }

        if (WorkerStartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerStartTimeout), WorkerStartTimeout, "WorkerStartTimeout must be positive.");
        }
    }
}
