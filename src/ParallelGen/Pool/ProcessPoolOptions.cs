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
    /// it is killed. Three start failures in a row fail the queued calls and every later call with the cause.
    /// Default: 60 seconds.
    /// </summary>
    public TimeSpan WorkerStartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how long one call may run in a worker: an <c>Apply</c>/<c>ApplyAsync</c> call, or a chunk of a
    /// bulk call (n items get n times this). A call that runs longer fails with <see cref="TimeoutException"/>; its
    /// worker, stuck in the task, is stopped and replaced; the other calls it held are sent to other workers, and
    /// nothing else is affected. The worker enforces it; should the worker be unable to (frozen with <c>SIGSTOP</c>,
    /// say), the parent kills it one second later. Default: no limit. Setting it makes each worker send every result
    /// at once, which costs some throughput for very small tasks.
    /// </summary>
    public TimeSpan? TaskTimeout { get; set; }

    /// <summary>
    /// Gets or sets a task every worker runs once before its first task (Python's <c>initializer</c> and
    /// <c>initargs</c>), created with <c>PoolInitializer.Create(Setup, arg1, ...)</c>. It is part of the worker's start:
    /// <see cref="WorkerStartTimeout"/> covers it, <see cref="TaskTimeout"/> does not. Default: none.
    /// </summary>
    public PoolInitializer? Initializer { get; set; }

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

        if (WorkerStartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerStartTimeout), WorkerStartTimeout, "WorkerStartTimeout must be positive.");
        }
    }
}
