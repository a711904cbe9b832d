using ParallelGen.Backends;
using ParallelGen.Diagnostics;

namespace ParallelGen.Pool;

/// <summary>
/// A pool's scheduling and failure policy, behind the backend seam: the queue of work, which worker gets what, the
/// window of runs in flight per worker, retries, worker starts and restarts, the start-failure breaker, recycling,
/// the task-timeout backstop and the pool's lifecycle. It knows workers only as <see cref="IWorkerChannel"/>s, so the
/// same policy serves every backend, and tests drive it with a fake one.
/// </summary>
/// <remarks>
/// <para><b>Locks.</b> One lock (<c>_lock</c>) guards all of the scheduler's state and the <see cref="WorkerSlot"/>s.
/// Under it the scheduler only computes: it never sends, never completes a call, never runs user code. Work sources'
/// <see cref="IWorkSource.TryTake"/> is called under it and takes the source's own lock, so that one comes after it;
/// no source may call into the scheduler while holding its own lock.</para>
/// <para><b>Dispatch.</b> One thread at a time dispatches (<see cref="Pump"/>): it assigns units to workers under the
/// lock, in order, then sends them outside it (a few rounds at most, then a thread-pool thread takes over). So each
/// worker receives its runs in the order they were assigned, which is the order of its <see cref="WorkerSlot.InFlight"/>
/// queue, which is the order it answers them in (a run given back after <see cref="IWorkerChannel.Withdraw"/> leaves
/// the queue wherever it is).</para>
/// <para><b>Nothing waits behind a busy worker.</b> Runs are pushed ahead to hide the round trip (the window), but a
/// worker whose current run has taken longer than <see cref="BusyMilliseconds"/> gets nothing more, and as soon as
/// a worker is idle with nothing left to give it, the runs queued behind such a run in other workers are withdrawn and
/// given to the idle one. A timer looks again when a run in progress would pass that mark (at most every
/// <see cref="QuietMilliseconds"/> ms after a look that found nothing, so a busy run is noticed within about 10 ms).</para>
/// <para><b>Run ids</b> come from one counter for the whole process, so that a worker that moves to another pool
/// (reused workers) still sees them in increasing order.</para>
/// </remarks>
internal sealed partial class PoolScheduler
{
    private const int MaxWindow = 128;

    /// <summary>How long a run may keep a worker busy before the runs queued behind it may be given to an idle worker.</summary>
    internal const int BusyMilliseconds = 2;

    /// <summary>How long after it fired the withdrawal timer waits at least before it fires again.</summary>
    private const int QuietMilliseconds = 8;

    /// <summary>How many dispatch rounds one thread does for others before it hands the rest to the thread pool.</summary>
    private const int MaxPumpRounds = 8;

    private static long s_nextRunId;

    private readonly object _lock = new();
    private readonly IWorkerBackend _backend;
    private readonly TimeProvider _time;
    private readonly WorkerSlot?[] _slots;
    private readonly LinkedList<IWorkSource> _sources = new();
    private readonly Queue<WorkUnit> _retries = new();
    private readonly long _maxTasksPerWorker;
    private readonly List<(WorkerSlot Slot, WorkUnit Unit)> _batch = [];
    private readonly List<WorkerSlot> _shutdowns = [];
    private readonly List<WorkerSlot> _parks = [];
    private readonly WorkerReuse? _reuse;
    private readonly List<(IWorkerChannel Worker, long RunId)> _withdrawals = [];
    private readonly long _shortRunTicks = System.Diagnostics.Stopwatch.Frequency / 5_000;
    private readonly long _longRunTicks = System.Diagnostics.Stopwatch.Frequency / 500;
    private readonly long _busyTicks;
    private readonly ITimer _rebalanceTimer;
    private long _rebalanceDue = long.MaxValue;
    private long _rebalanceQuietUntil;
    private int _pumpDemand;

    /// <summary>Creates the scheduler of a pool of <paramref name="workers"/> workers; <see cref="Start"/> launches them.</summary>
    /// <param name="workers">How many workers the pool keeps running.</param>
    /// <param name="backend">Where they run.</param>
    /// <param name="settings">The pool's policy settings.</param>
    /// <param name="time">The clock for timeouts; <see cref="TimeProvider.System"/> outside tests.</param>
    /// <param name="telemetry">What the pool reports to; an unnamed pool's by default.</param>
    public PoolScheduler(int workers, IWorkerBackend backend, SchedulerSettings settings, TimeProvider time, PoolTelemetry? telemetry = null)
    {
        _telemetry = telemetry ?? new PoolTelemetry(ProcessPoolOptions.DefaultName);
        _telemetry.Observe(QueuedItems, () => Volatile.Read(ref _liveWorkers));
        _backend = backend;
        _time = time;
        _slots = new WorkerSlot?[workers];
        _slotFailures = new int[workers];
        _restartTimers = new ITimer?[workers];
        _busyTicks = time.TimestampFrequency * BusyMilliseconds / 1000;
        _rebalanceTimer = time.CreateTimer(static state => ((PoolScheduler)state!).OnRebalanceDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _reuse = settings.Reuse;
        _maxTasksPerWorker = settings.MaxTasksPerWorker ?? long.MaxValue;
        _workerStartTimeout = settings.WorkerStartTimeout;
        _initializer = settings.Initializer;
        _taskTimeoutMilliseconds = settings.TaskTimeoutMilliseconds;
        _callbacks = settings.ConcurrentCallbacks ? null : new CallbackQueue();
        if (_taskTimeoutMilliseconds > 0 && !backend.EnforcesTaskTimeout)
        {
            TimeSpan period = TimeSpan.FromMilliseconds(Math.Clamp(_taskTimeoutMilliseconds / 2, 50, 1000));
            _stuckWorkerCheck = time.CreateTimer(static state => ((PoolScheduler)state!).KillStuckWorkers(), this, period, period);
        }
    }

    /// <summary>Raised with every worker the pool launches, replacements included, before its events start.</summary>
    public event Action<IWorkerChannel>? WorkerLaunched;

    /// <summary>Gets the queue that runs the pool's progress reports, one at a time.</summary>
    public CallbackQueue Callbacks { get; } = new();

    /// <summary>
    /// Gets the queue that runs <c>ApplyAsync</c> callbacks one at a time in completion order (Python's result handler),
    /// or <see langword="null"/> if they run concurrently on the thread pool (<c>ProcessPoolOptions.ConcurrentCallbacks</c>).
    /// </summary>
    public CallbackQueue? ResultCallbacks => _callbacks;

    /// <summary>Gets the number of workers the pool keeps running.</summary>
    public int Workers => _slots.Length;

    /// <summary>Gets the ids of the workers alive now.</summary>
    public IReadOnlyList<int> WorkerIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _slots.Where(s => s is not null).Select(s => s!.Channel.Id)];
            }
        }
    }

    /// <summary>Gets the channel of the worker in slot <paramref name="slot"/>, if it has one. Tests only.</summary>
    public IWorkerChannel? ChannelOf(int slot)
    {
        lock (_lock)
        {
            return _slots[slot]?.Channel;
        }
    }

    /// <summary>Adds a call to the queue and dispatches what the workers can take.</summary>
    /// <exception cref="InvalidOperationException">The pool is closed, or cannot start workers.</exception>
    /// <exception cref="ObjectDisposedException">The pool is terminated.</exception>
    public void Submit(IWorkSource source)
    {
        lock (_lock)
        {
            ThrowIfNotAccepting();
            _sources.AddLast(source);
        }

        Pump();
    }

    /// <summary>Throws if the pool takes no new work.</summary>
    /// <exception cref="InvalidOperationException">The pool is closed, or cannot start workers.</exception>
    /// <exception cref="ObjectDisposedException">The pool is terminated.</exception>
    public void ThrowIfNotAccepting()
    {
        lock (_lock)
        {
            switch (_state)
            {
                case PoolState.Closed:
                    throw new InvalidOperationException("The pool is closed: Close() was called, so it accepts no new work. Create a new ProcessPool.");
                case PoolState.Terminated:
                    throw new ObjectDisposedException(nameof(ProcessPool), "The pool was terminated or disposed; it accepts no new work.");
            }

            if (_unavailableCause is { } cause)
            {
                throw new InvalidOperationException($"The pool cannot start worker processes: {cause.Message}", cause);
            }
        }
    }

    /// <summary>
    /// Moves work from the queue to workers with room and sends it. Any thread may call it at any time, never under
    /// the scheduler's lock; if another thread is dispatching, that one goes round once more instead.
    /// </summary>
    /// <remarks>
    /// The thread that finds nobody dispatching does it (a caller's own call goes out without a thread switch), but for a
    /// few rounds only: if others keep asking, the rest moves to a thread-pool thread, so that a caller of
    /// <c>ApplyAsync</c> is never kept dispatching for everyone else.
    /// </remarks>
    public void Pump()
    {
        if (Interlocked.Increment(ref _pumpDemand) == 1)
        {
            PumpRounds();
        }
    }

    /// <summary>Dispatches while there is demand, for at most <see cref="MaxPumpRounds"/> rounds; the caller holds the dispatcher role.</summary>
    private void PumpRounds()
    {
        for (int round = 0; round < MaxPumpRounds; round++)
        {
            int demand = Volatile.Read(ref _pumpDemand);
            PumpOnce();
            if (Interlocked.Add(ref _pumpDemand, -demand) == 0)
            {
                return;
            }
        }

        // Still asked for: the role passes to a pool thread (the demand left over keeps it taken meanwhile).
        ThreadPool.UnsafeQueueUserWorkItem(static scheduler => scheduler.PumpRounds(), this, preferLocal: false);
    }

    private void PumpOnce()
    {
        lock (_lock)
        {
            if (_state == PoolState.Terminated)
            {
                return;
            }

            long now = _time.GetTimestamp();
            while (PickWorker(now) is { } slot && TakeNext(_maxTasksPerWorker - slot.ItemsAssigned) is { } unit)
            {
                Assign(slot, unit);
                slot.ItemsAssigned += unit.Count;
                if (slot.ItemsAssigned >= _maxTasksPerWorker)
                {
                    // Retiring: it finishes what it has, then gets a Shutdown and a successor.
                    slot.State = WorkerState.Retiring;
                }

                _batch.Add((slot, unit));
            }

            CollectIdleShutdowns(_shutdowns);
            CollectWithdrawals(now);
        }

        if (_batch.Count > 0)
        {
            Send(_batch);
            _batch.Clear();
        }

        foreach ((IWorkerChannel worker, long runId) in _withdrawals)
        {
            worker.Withdraw(runId);
        }

        _withdrawals.Clear();
        foreach (WorkerSlot slot in _shutdowns)
        {
            slot.Channel.Shutdown();
        }

        _shutdowns.Clear();
        ParkCollected();
    }

    /// <summary>
    /// If a worker is idle (nothing was left to give it), takes back the runs queued behind any run that has kept its
    /// worker busy for <see cref="BusyMilliseconds"/>, so that the idle worker gets them; if such a run is younger,
    /// looks again when it comes of age. Under the lock.
    /// </summary>
    private void CollectWithdrawals(long now)
    {
        bool someoneIdle = false;
        foreach (WorkerSlot? slot in _slots)
        {
            someoneIdle |= slot is { State: WorkerState.Ready, InFlight.Count: 0 };
        }

        if (!someoneIdle)
        {
            return;
        }

        long due = long.MaxValue;
        foreach (WorkerSlot? slot in _slots)
        {
            if (slot is not { State: WorkerState.Ready or WorkerState.Retiring, InFlight.Count: > 1 })
            {
                continue;
            }

            long since = slot.RunningSince;
            if (now - since < _busyTicks)
            {
                due = Math.Min(due, since + _busyTicks);
                continue;
            }

            bool head = true;
            foreach (WorkUnit unit in slot.InFlight)
            {
                if (!head && !unit.Withdrawing && !unit.IsAbandoned && !unit.IsStartup)
                {
                    unit.Withdrawing = true;
                    _withdrawals.Add((slot.Channel, unit.RunId));
                }

                head = false;
            }
        }

        // A timer that found nothing to do leaves the next one to come at least QuietMilliseconds later: while calls are
        // short, a run seen at one pump has long been answered when the timer fires, and each fire costs a pool thread.
        due = Math.Max(due, _rebalanceQuietUntil);
        if (due != long.MaxValue && due < _rebalanceDue)
        {
            _rebalanceDue = due;
            long ticks = Math.Max(due - now, 0);
            _rebalanceTimer.Change(TimeSpan.FromSeconds((double)ticks / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnRebalanceDue()
    {
        lock (_lock)
        {
            _rebalanceDue = long.MaxValue;
            _rebalanceQuietUntil = _time.GetTimestamp() + (_time.TimestampFrequency * QuietMilliseconds / 1000);
        }

        Pump();
    }

    /// <summary>Gives <paramref name="unit"/> a new attempt on <paramref name="slot"/>'s worker. Under the lock.</summary>
    private void Assign(WorkerSlot slot, WorkUnit unit)
    {
        unit.RunId = Interlocked.Increment(ref s_nextRunId);
        unit.Worker = slot.Channel;
        unit.SentAt = _time.GetTimestamp();
        unit.ItemsDone = 0;
        unit.Withdrawing = false;
        slot.InFlight.Enqueue(unit);
    }

    /// <summary>Sends assigned units, in order, then starts each worker's writes once.</summary>
    private void Send(List<(WorkerSlot Slot, WorkUnit Unit)> batch)
    {
        bool requeued = false;
        foreach ((WorkerSlot slot, WorkUnit unit) in batch)
        {
            bool sent;
            unit.Attempt = _telemetry.RunSent(unit.Telemetry, unit.Task, unit.RunId, unit.Count, slot.Channel.Id);
            try
            {
                sent = slot.Channel.TrySend(unit);
            }
            catch (Exception e)
            {
                // The arguments could not be written; nothing was sent.
                lock (_lock)
                {
                    RemoveInFlight(slot, unit);
                }

                PoolTelemetry.RunLost(unit.TakeAttempt(), Diagnostics.Telemetry.ErrorType(e), e.Message);
                unit.OnFailed(e);
                continue;
            }

            if (!sent)
            {
                PoolTelemetry.RunLost(unit.TakeAttempt(), "worker_crashed", "the worker was gone before the run was sent");
                // The worker is gone and the unit never reached it: it is not a crash of its own. Unless the worker's exit
                // was handled first (and took the unit with it), run it elsewhere.
                lock (_lock)
                {
                    if (slot.State != WorkerState.Exited)
                    {
                        slot.State = WorkerState.Retiring;
                    }

                    if (RemoveInFlight(slot, unit))
                    {
                        _retries.Enqueue(unit);
                        requeued = true;
                    }
                }
            }
        }

        IWorkerChannel? last = null;
        foreach ((WorkerSlot slot, _) in batch)
        {
            if (!ReferenceEquals(slot.Channel, last))
            {
                last = slot.Channel;
                last.Flush();
            }
        }

        if (requeued)
        {
            // We are the dispatching thread: ask ourselves for one more round.
            Interlocked.Increment(ref _pumpDemand);
        }
    }

    private static bool RemoveInFlight(WorkerSlot slot, WorkUnit unit)
    {
        int before = slot.InFlight.Count;
        WorkUnit[] rest = [.. slot.InFlight.Where(u => !ReferenceEquals(u, unit))];
        slot.InFlight.Clear();
        foreach (WorkUnit other in rest)
        {
            slot.InFlight.Enqueue(other);
        }

        return slot.InFlight.Count < before;
    }

    /// <summary>
    /// Picks the started worker with the most room, or <see langword="null"/> if all are full. A worker whose current run
    /// has been going for <see cref="BusyMilliseconds"/> or more gets nothing more until it is done: what it would get
    /// could wait there for any length of time.
    /// </summary>
    private WorkerSlot? PickWorker(long now)
    {
        WorkerSlot? best = null;
        foreach (WorkerSlot? slot in _slots)
        {
            if (slot is { State: WorkerState.Ready } && slot.InFlight.Count < slot.Window
                && (slot.InFlight.Count == 0 || now - slot.RunningSince < _busyTicks)
                && (best is null || slot.InFlight.Count < best.InFlight.Count))
            {
                best = slot;
            }
        }

        return best;
    }

    /// <summary>Takes the next unit: retries first, then the sources in submission order.</summary>
    private WorkUnit? TakeNext(long budget)
    {
        int maxItems = (int)Math.Min(budget, int.MaxValue);
        while (_retries.TryDequeue(out WorkUnit? retry))
        {
            if (!retry.IsAbandoned)
            {
                return retry;
            }
        }

        LinkedListNode<IWorkSource>? node = _sources.First;
        while (node is not null)
        {
            LinkedListNode<IWorkSource>? next = node.Next;
            if (node.Value.TryTake(maxItems) is { } unit)
            {
                return unit;
            }

            if (node.Value.IsDrained)
            {
                _sources.Remove(node);
            }

            node = next;
        }

        return null;
    }

    private bool HasQueuedWork()
    {
        if (_retries.Count > 0)
        {
            return true;
        }

        for (LinkedListNode<IWorkSource>? node = _sources.First; node is not null;)
        {
            LinkedListNode<IWorkSource>? next = node.Next;
            if (node.Value.IsDrained)
            {
                _sources.Remove(node);
            }

            node = next;
        }

        return _sources.Count > 0;
    }

    /// <summary>
    /// Finds workers to send a <c>Shutdown</c>: retired ones that are idle, and all idle ones of a closed, drained pool
    /// (those are parked for the next pool instead, when workers are reused).
    /// </summary>
    private void CollectIdleShutdowns(List<WorkerSlot> shutdowns)
    {
        bool closing = _state == PoolState.Closed && !HasQueuedWork();
        foreach (WorkerSlot? slot in _slots)
        {
            if (slot is { InFlight.Count: 0, State: not (WorkerState.ShuttingDown or WorkerState.Exited) }
                && (slot.State == WorkerState.Retiring || closing))
            {
                if (closing && !TryMarkParked(slot))
                {
                    slot.State = WorkerState.ShuttingDown;
                    shutdowns.Add(slot);
                }
                else if (!closing)
                {
                    slot.State = WorkerState.ShuttingDown;
                    shutdowns.Add(slot);
                }
            }
        }
    }

    /// <summary>
    /// Takes an idle worker out of the pool, to be parked for the next pool by <see cref="ParkCollected"/>; from
    /// now on its events no longer concern this pool. Under the lock.
    /// </summary>
    private bool TryMarkParked(WorkerSlot slot)
    {
        // A worker still starting goes too, unless it has an initializer to run first: pool-per-batch code often
        // disposes a pool before its last workers are up, and they would be started again for the next one.
        bool idle = slot.InFlight.Count == 0
            && (slot.State == WorkerState.Ready || (slot.State == WorkerState.Starting && _initializer is null));
        if (_reuse is null || !idle || slot.ItemsAssigned >= _maxTasksPerWorker)
        {
            return false;
        }

        slot.State = WorkerState.Exited;
        slot.StartTimer?.Dispose();
        _slots[slot.Index] = null;
        _liveWorkers--;
        _parks.Add(slot);
        CheckAllExited();
        return true;
    }

    /// <summary>Parks the workers <see cref="TryMarkParked"/> took out; one that cannot be parked is shut down. Outside the lock.</summary>
    private void ParkCollected()
    {
        WorkerSlot[] parks;
        lock (_lock)
        {
            if (_parks.Count == 0)
            {
                return;
            }

            parks = [.. _parks];
            _parks.Clear();
        }

        foreach (WorkerSlot slot in parks)
        {
            if (!IdleWorkers.TryPark(_reuse!.Key, slot.Channel, slot.ItemsAssigned, _reuse.KeepAlive, _slots.Length))
            {
                slot.Channel.Shutdown();
            }
        }
    }

    /// <summary>
    /// Updates the worker's window from how long its last run took: enough short runs queued in the worker to hide the
    /// round trip, but only two long ones (one running, the next already there), so that a slow run does not hold back
    /// much work another worker could start. A new worker starts with one, so that long tasks submitted while the other
    /// workers are still starting do not pile up behind each other in the first worker to answer.
    /// </summary>
    private void AdaptWindow(WorkerSlot slot, long elapsedTicks)
    {
        if (elapsedTicks < _shortRunTicks)
        {
            slot.Window = Math.Min(slot.Window * 2, MaxWindow);
        }
        else if (elapsedTicks > _longRunTicks)
        {
            slot.Window = 2;
        }
    }
}
