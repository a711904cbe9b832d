namespace ParallelGen.Pool;

/// <summary>The policy settings a <see cref="PoolScheduler"/> takes from the pool's options.</summary>
/// <param name="MaxTasksPerWorker">Items a worker runs before it is replaced; <see langword="null"/> for no limit.</param>
/// <param name="WorkerStartTimeout">How long a worker may take to start, initializer included.</param>
/// <param name="TaskTimeoutMilliseconds">How long one call may run (per item); 0 for no limit.</param>
/// <param name="Initializer">What every worker runs before its first task, if anything.</param>
internal sealed record SchedulerSettings(long? MaxTasksPerWorker, TimeSpan WorkerStartTimeout, int TaskTimeoutMilliseconds, PoolInitializer? Initializer);
