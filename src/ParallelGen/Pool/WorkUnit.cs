using System.Diagnostics;
using ParallelGen.Backends;
using ParallelGen.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Pool;

/// <summary>One <c>Run</c> frame's worth of work: a single call, or a chunk of a bulk call.</summary>
/// <remarks>
/// A unit is created by an <see cref="IWorkSource"/> under the scheduler's lock, sent to a worker by the scheduler,
/// and completed on that worker's channel thread by <see cref="OnDone"/>, or failed by <see cref="OnFailed"/> when its
/// worker dies (after retries) or the pool is terminated.
/// </remarks>
internal abstract class WorkUnit : IRunRequest
{
    /// <summary>How many deaths before the task began a unit's first item is re-run after without counting a crash.</summary>
    public const int FreeDeathsBeforeBegin = 3;

    private Activity? _attempt;

    /// <summary>Gets or sets the id of the current attempt; a retry gets a new one.</summary>
    public long RunId { get; set; }

    /// <summary>Gets or sets the worker that holds the current attempt, for cancelling it.</summary>
    public IWorkerChannel? Worker { get; set; }

    /// <summary>
    /// Gets whether the unit is part of the worker's start (the initializer): <c>WorkerStartTimeout</c> covers it,
    /// not <c>TaskTimeout</c>.
    /// </summary>
    public virtual bool IsStartup => false;

    /// <summary>Gets or sets when the current attempt was sent, as a timestamp of the scheduler's clock.</summary>
    public long SentAt { get; set; }

    /// <summary>
    /// Gets or sets how often the unit's first item was running when its worker died. Only the first item can have a
    /// count: a crash moves the unit's start to the item that was running (<see cref="AdvanceAfterCrash"/>).
    /// </summary>
    public int CrashCount { get; set; }

    /// <summary>
    /// Gets how often a worker died after it took up an attempt of the unit's first item but before the task's code began
    /// (while it read the arguments). Such deaths cost no retry, since nothing ran, up to <see cref="FreeDeathsBeforeBegin"/>.
    /// </summary>
    public int DeathsBeforeBegin { get; private set; }

    /// <summary>Gets or sets how many leading items of the current attempt have had their results delivered (partial answers).</summary>
    public int ItemsDone { get; set; }

    /// <summary>Gets or sets whether the scheduler has asked the worker to give the current attempt back.</summary>
    public bool Withdrawing { get; set; }

    public abstract ProcessTask Task { get; }

    /// <summary>
    /// Gets how often the unit is re-run after its worker crashed: the task's <see cref="ProcessTask.MaxRetries"/>,
    /// except where another pool applies that policy already (a cluster node's local pool reports every crash instead).
    /// </summary>
    public virtual int MaxRetries => Task.MaxRetries;

    /// <summary>Gets the number of task invocations (items) in the unit.</summary>
    public abstract int Count { get; }

    /// <summary>Gets whether the worker stops the chunk at the first failing item (bulk calls that fail as a whole).</summary>
    public abstract bool StopOnError { get; }

    /// <summary>Gets whether nobody needs the result any more (the call failed or was cancelled).</summary>
    public abstract bool IsAbandoned { get; }

    /// <summary>Gets the telemetry of the call the unit belongs to, when someone listens.</summary>
    public virtual CallTelemetry? Telemetry => null;

    /// <summary>Gets or sets the span of the current attempt, when someone traces the pool.</summary>
    public Activity? Attempt
    {
        get => Volatile.Read(ref _attempt);
        set => Volatile.Write(ref _attempt, value);
    }

    /// <inheritdoc/>
    public ActivityContext TraceContext => Attempt?.Context ?? default;

    /// <summary>Takes the current attempt's span, once: whoever ends the attempt first ends its span.</summary>
    public Activity? TakeAttempt() => Interlocked.Exchange(ref _attempt, null);

    /// <inheritdoc/>
    public byte Flags => (byte)((StopOnError ? RunFrame.StopOnError : 0) | (IsStartup ? RunFrame.Startup : 0));

    /// <summary>Serializes the unit's arguments as a MemoryPack span.</summary>
    public abstract void WriteArguments(FrameBuffer buffer);

    /// <summary>For a unit of the worker's start: why the answer means the worker cannot start, or <see langword="null"/> if it can.</summary>
    public virtual string? FailureOf(in DoneFrame done) => null;

    /// <summary>Takes the worker's answer. Runs on the worker's channel thread; must not block.</summary>
    public abstract void OnDone(in DoneFrame done);

    /// <summary>
    /// Takes the results of some items while the rest still run (<see cref="DoneFrame.IsPartial"/>). Runs on the worker's
    /// channel thread; must not block. Only units of more than one item get these.
    /// </summary>
    public virtual void OnPartial(in DoneFrame done) => throw new InvalidDataException($"A partial answer for a call of {Count} item(s).");

    /// <summary>
    /// The worker died while it ran this attempt: the items whose results arrived are done, so the unit now starts at
    /// the first item that had none, the one that was running. Under the scheduler's lock.
    /// </summary>
    public void AdvanceAfterCrash()
    {
        if (ItemsDone > 0)
        {
            Skip(ItemsDone);

            // The item now first was running for the first time (its crash count was 0: only first items have one).
            CrashCount = 1;
            DeathsBeforeBegin = 0;
            ItemsDone = 0;
        }
        else
        {
            CrashCount++;
        }
    }

    /// <summary>
    /// The worker died after it took up the current attempt but before the task's code began: nothing ran, so the unit
    /// may go to another worker as it is, without counting a crash; unless that already happened
    /// <see cref="FreeDeathsBeforeBegin"/> times, so that arguments whose reading kills every worker cannot restart
    /// workers for ever (the death then counts as a crash). Under the scheduler's lock.
    /// </summary>
    /// <returns>Whether the unit runs again as it is.</returns>
    public bool TryRerunNotBegun()
    {
        if (DeathsBeforeBegin >= FreeDeathsBeforeBegin)
        {
            return false;
        }

        DeathsBeforeBegin++;
        return true;
    }

    /// <summary>Drops the first <paramref name="items"/> items, which are done: the unit covers the rest of its call's items.</summary>
    protected virtual void Skip(int items) => throw new InvalidOperationException($"A unit of {Count} item(s) cannot skip {items}.");

    /// <summary>Fails the unit: its worker crashed (after retries), or the pool was terminated.</summary>
    public abstract void OnFailed(Exception exception);

    /// <summary>Asks the worker holding the current attempt, if any, to stop it.</summary>
    public void CancelRun() => Worker?.Cancel(RunId);

    /// <inheritdoc/>
    public override string ToString() => $"{Task.Name} × {Count} (run {RunId})";
}

/// <summary>Where the scheduler takes work from: a single call, or a bulk call cut into chunks on demand.</summary>
/// <remarks>
/// <see cref="TryTake"/> and <see cref="IsDrained"/> are called under the scheduler's lock, so they must be quick and
/// never call user code. A single call is its own source and its own unit.
/// </remarks>
internal interface IWorkSource
{
    /// <summary>Returns the next unit of at most <paramref name="maxItems"/> items, or <see langword="null"/> if none is ready now.</summary>
    WorkUnit? TryTake(int maxItems);

    /// <summary>Gets whether nothing more will ever come from this source, so the scheduler can drop it.</summary>
    bool IsDrained { get; }

    /// <summary>Gets how many items the source holds that no worker has been given yet (the queue-length instrument).</summary>
    /// <remarks>A single call holds one until it is taken.</remarks>
    int QueuedItems => IsDrained ? 0 : 1;

    /// <summary>Fails the call: the pool was terminated or cannot start workers. Called outside the scheduler's lock.</summary>
    void Abort(Exception exception);
}
