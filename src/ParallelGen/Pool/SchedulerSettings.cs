using ParallelGen.Backends;

namespace ParallelGen.Pool;

/// <summary>The policy settings a <see cref="PoolScheduler"/> takes from the pool's options.</summary>
/// <param name="MaxTasksPerWorker">Items a worker runs before it is replaced; <see langword="null"/> for no limit.</param>
/// <param name="WorkerStartTimeout">How long a worker may take to start, initializer included.</param>
/// <param name="TaskTimeoutMilliseconds">How long one call may run (per item); 0 for no limit.</param>
/// <param name="Initializer">What every worker runs before its first task, if anything.</param>
/// <param name="Reuse">Where idle workers go when the pool ends, and come from when it starts; <see langword="null"/> for nowhere.</param>
/// <param name="ConcurrentCallbacks">Whether <c>ApplyAsync</c> callbacks run concurrently rather than one at a time.</param>
internal sealed record SchedulerSettings(
    long? MaxTasksPerWorker,
    TimeSpan WorkerStartTimeout,
    int TaskTimeoutMilliseconds,
    PoolInitializer? Initializer,
    WorkerReuse? Reuse = null,
    bool ConcurrentCallbacks = false);

/// <summary>How a pool hands its idle workers on (see <see cref="IdleWorkers"/>).</summary>
/// <param name="Key">The pool's shape: workers parked under the same key can serve it.</param>
/// <param name="KeepAlive">How long a parked worker waits for a new pool.</param>
internal sealed record WorkerReuse(string Key, TimeSpan KeepAlive)
{
    /// <summary>Takes a parked worker of this shape for <paramref name="owner"/>, if there is one.</summary>
    public (IWorkerChannel Channel, long ItemsAssigned)? TryTake(IWorkerEvents owner) => IdleWorkers.TryTake(Key, owner);
}
