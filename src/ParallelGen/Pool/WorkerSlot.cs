using ParallelGen.Backends;
using ParallelGen.Protocol;

namespace ParallelGen.Pool;

/// <summary>Where a worker is in its life, as the pool sees it.</summary>
internal enum WorkerState
{
    /// <summary>Launched; it has not said it is ready yet.</summary>
    Starting,

    /// <summary>Ready, and running the pool's initializer; it counts as started once that returns.</summary>
    Initializing,

    /// <summary>Started, and taking work.</summary>
    Ready,

    /// <summary>Takes no more work (it reached <c>MaxTasksPerWorker</c>, or a send found it gone); shuts down once idle.</summary>
    Retiring,

    /// <summary>Asked to shut down; it finishes what it holds and exits.</summary>
    ShuttingDown,

    /// <summary>Gone.</summary>
    Exited,
}

/// <summary>
/// The pool's state for one worker: its channel, where it is in its life, and the runs it holds. A slot that loses
/// its worker gets a new <see cref="WorkerSlot"/> with the next one. Everything here is guarded by the scheduler's lock.
/// </summary>
/// <remarks>It receives the worker's events and hands them to the scheduler together with itself.</remarks>
internal sealed class WorkerSlot(PoolScheduler scheduler, int index) : IWorkerEvents
{
    /// <summary>Gets the slot number (0 to the pool size − 1).</summary>
    public int Index { get; } = index;

    /// <summary>Gets or sets the channel to the worker; set once, right after it is launched, before its events start.</summary>
    public IWorkerChannel Channel { get; set; } = null!;

    public WorkerState State { get; set; }

    /// <summary>Gets the runs sent to the worker and not yet answered, in the order it runs them: the first is running.</summary>
    public Queue<WorkUnit> InFlight { get; } = new();

    /// <summary>Gets or sets how many runs may be in flight at once; grows while tasks are short.</summary>
    public int Window { get; set; } = 1;

    /// <summary>Gets or sets the number of items (task invocations) ever assigned, for <c>MaxTasksPerWorker</c>.</summary>
    public long ItemsAssigned { get; set; }

    /// <summary>Gets or sets when the worker last finished a run (a final answer), as a timestamp of the scheduler's clock.</summary>
    public long LastAnswerAt { get; set; }

    /// <summary>Gets or sets whether the worker came from a disposed pool (it is started already, initializer included).</summary>
    public bool Reused { get; set; }

    /// <summary>Gets or sets the run the worker was stopped for because it ran past the task timeout, or 0.</summary>
    public long TimedOutRunId { get; set; }

    /// <summary>Gets or sets the timer that stops a worker that takes too long to start.</summary>
    public ITimer? StartTimer { get; set; }

    /// <summary>Gets whether the worker has started (it answered ready and ran the initializer, if any).</summary>
    public bool HasStarted => State is WorkerState.Ready or WorkerState.Retiring;

    /// <summary>
    /// Gets since when the worker has been running its oldest run (a timestamp): since that run was sent, or since the
    /// run before it was answered, whichever came later. Only meaningful while <see cref="InFlight"/> is not empty.
    /// </summary>
    public long RunningSince => InFlight.TryPeek(out WorkUnit? head) ? Math.Max(head.SentAt, LastAnswerAt) : long.MaxValue;

    void IWorkerEvents.OnReady(IWorkerChannel worker) => scheduler.OnReady(this);

    void IWorkerEvents.OnDone(IWorkerChannel worker, in DoneFrame done) => scheduler.OnDone(this, done);

    void IWorkerEvents.OnTimedOut(IWorkerChannel worker, long runId) => scheduler.OnTimedOut(this, runId);

    void IWorkerEvents.OnWithdrawn(IWorkerChannel worker, long runId) => scheduler.OnWithdrawn(this, runId);

    void IWorkerEvents.OnIdle(IWorkerChannel worker) => scheduler.Pump();

    void IWorkerEvents.OnExited(IWorkerChannel worker, WorkerExit exit) => scheduler.OnExited(this, exit);
}
