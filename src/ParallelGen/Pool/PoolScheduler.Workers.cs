using ParallelGen.Backends;
using ParallelGen.Diagnostics;
using ParallelGen.Protocol;

namespace ParallelGen.Pool;

/// <summary>The supervisor's half: starting workers, their events, their exits, and what follows from them.</summary>
/// <remarks>
/// <para><b>Failed starts.</b> A worker that cannot be launched, or exits (or is stopped) before it has started, is a
/// failed start of its slot. The slot tries again, at once the first time and then after a back-off that doubles from
/// 100 ms to <see cref="MaxRestartDelay"/>, for as long as the pool lives, while the other workers go on serving: the
/// pool is <see cref="PoolHealth.Degraded"/>. Only when no worker is left and the last
/// <see cref="MaxStartFailures"/> starts in a row failed is it <see cref="PoolHealth.Unavailable"/>: calls fail with
/// the cause until a start succeeds again.</para>
/// </remarks>
internal sealed partial class PoolScheduler
{
    private const int MaxStartFailures = 3;

    /// <summary>How long past its task timeout a worker that has not stopped itself is given before the parent kills it.</summary>
    private const int StuckGraceMilliseconds = 1000;

    /// <summary>The longest a slot waits before it tries again to start a worker.</summary>
    internal static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _workerStartTimeout;
    private readonly PoolInitializer? _initializer;
    private readonly int _taskTimeoutMilliseconds;
    private readonly ITimer? _stuckWorkerCheck;
    private readonly CallbackQueue? _callbacks;
    private readonly int[] _slotFailures;
    private readonly ITimer?[] _restartTimers;
    private int _liveWorkers;
    private int _failuresInARow;
    private Exception? _lastStartFailure;
    private Exception? _unavailableCause;
    private PoolHealth _health;

    /// <summary>Raised, on a queue of its own outside every lock, whenever <see cref="Health"/> changes, with the cause of a failure.</summary>
    public event Action<PoolHealth, Exception?>? HealthChanged;

    /// <summary>Gets whether the pool has all its workers, serves with fewer, or cannot serve at all.</summary>
    public PoolHealth Health
    {
        get
        {
            lock (_lock)
            {
                return _health;
            }
        }
    }

    private CallbackQueue HealthEvents { get; } = new();

    /// <summary>Launches every worker. A worker that cannot be launched at all fails the pool's construction.</summary>
    public void Start()
    {
        for (int slot = 0; slot < _slots.Length; slot++)
        {
            StartWorker(slot, throwOnError: true);
        }
    }

    private void StartWorker(int index, bool throwOnError, WorkerStartReason reason = WorkerStartReason.Initial)
    {
        WorkerSlot slot = new(this, index);
        lock (_lock)
        {
            _restartTimers[index]?.Dispose();
            _restartTimers[index] = null;
            if (_state == PoolState.Terminated || _slots[index] is not null)
            {
                return;
            }
        }

        try
        {
            if (_reuse?.TryTake(slot) is { } reused)
            {
                slot.Channel = reused.Channel;
                slot.ItemsAssigned = reused.ItemsAssigned;
                slot.Reused = true;
            }
            else
            {
                slot.Channel = _backend.Launch(slot);
            }
        }
        catch (Exception e)
        {
            if (throwOnError)
            {
                throw;
            }

            OnStartFailed(index, e);
            return;
        }

        lock (_lock)
        {
            _slots[index] = slot;
            _liveWorkers++;
            slot.StartTimer = _time.CreateTimer(
                static state =>
                {
                    (PoolScheduler scheduler, WorkerSlot s) = ((PoolScheduler, WorkerSlot))state!;
                    scheduler.OnStartTimeout(s);
                },
                (this, slot),
                _workerStartTimeout,
                Timeout.InfiniteTimeSpan);
        }

        _telemetry.WorkerStarted(slot.Channel.Id, reason);
        WorkerLaunched?.Invoke(slot.Channel);
        slot.Channel.Start();
        if (_state == PoolState.Terminated)
        {
            slot.Channel.Kill();
        }
    }

    /// <summary>Counts a failed start of slot <paramref name="index"/> and plans the next attempt.</summary>
    private void OnStartFailed(int index, Exception cause)
    {
        bool now;
        lock (_lock)
        {
            _slotFailures[index]++;
            _failuresInARow++;
            _lastStartFailure = cause;
            now = ScheduleRestart(index);
            UpdateHealth();
        }

        FailQueuedIfUnavailable();
        if (now)
        {
            StartWorker(index, throwOnError: false);
        }
    }

    /// <summary>
    /// Plans the next start of slot <paramref name="index"/> after a failed one: at once after the first failure (the
    /// caller starts it, outside the lock, when this returns <see langword="true"/>), then after a back-off. Under the lock.
    /// </summary>
    private bool ScheduleRestart(int index)
    {
        if (_state == PoolState.Terminated || _restartTimers[index] is not null)
        {
            return false;
        }

        int failures = _slotFailures[index];
        if (failures <= 1)
        {
            return true;
        }

        TimeSpan delay = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, failures - 2), MaxRestartDelay.TotalMilliseconds));
        _restartTimers[index] = _time.CreateTimer(
            static state =>
            {
                (PoolScheduler scheduler, int i) = ((PoolScheduler, int))state!;
                scheduler.StartWorker(i, throwOnError: false);
            },
            (this, index),
            delay,
            Timeout.InfiniteTimeSpan);
        return false;
    }

    /// <summary>Works out the pool's health from its slots, and reports a change. Under the lock.</summary>
    private void UpdateHealth()
    {
        int started = 0;
        bool failing = false;
        for (int i = 0; i < _slots.Length; i++)
        {
            started += _slots[i] is { HasStarted: true } ? 1 : 0;
            failing |= _slotFailures[i] > 0;
        }

        PoolHealth health = started == 0 && _failuresInARow >= MaxStartFailures ? PoolHealth.Unavailable
            : failing ? PoolHealth.Degraded
            : PoolHealth.Healthy;
        if (health == PoolHealth.Unavailable)
        {
            _unavailableCause ??= _lastStartFailure is WorkerCrashedException or null
                ? _lastStartFailure ?? new InvalidOperationException("No worker could be started.")
                : _lastStartFailure;
        }
        else
        {
            _unavailableCause = null;
        }

        if (health == _health || _state == PoolState.Terminated)
        {
            return;
        }

        _health = health;
        Exception? cause = health == PoolHealth.Healthy ? null : _unavailableCause ?? _lastStartFailure;
        if (HealthChanged is { } handler)
        {
            HealthEvents.Post(static state =>
            {
                (Action<PoolHealth, Exception?> raise, PoolHealth h, Exception? c) = ((Action<PoolHealth, Exception?>, PoolHealth, Exception?))state!;
                raise(h, c);
            }, (handler, health, cause));
        }
    }

    /// <summary>With no worker that could run them, the calls waiting in the queue fail with the cause.</summary>
    private void FailQueuedIfUnavailable()
    {
        Exception? cause;
        lock (_lock)
        {
            cause = _health == PoolHealth.Unavailable ? _unavailableCause : null;
        }

        if (cause is not null)
        {
            FailQueued(cause);
        }
    }

    internal void OnReady(WorkerSlot slot)
    {
        if (_initializer is null || slot.Reused)
        {
            // A reused worker ran this very initializer (same task, same arguments) when it first started.
            MarkStarted(slot);
            return;
        }

        // The initializer goes before anything else; the worker only counts as started, and gets work, once it returned.
        WorkUnit unit = _initializer.CreateUnit();
        lock (_lock)
        {
            if (slot.State != WorkerState.Starting)
            {
                return;
            }

            slot.State = WorkerState.Initializing;
            Assign(slot, unit);
        }

        if (slot.Channel.TrySend(unit))
        {
            slot.Channel.Flush();
        }

        // Otherwise it is already gone: its exit is reported as a failed start.
    }

    private void MarkStarted(WorkerSlot slot)
    {
        lock (_lock)
        {
            slot.StartTimer?.Dispose();
            if (slot.State is not (WorkerState.Starting or WorkerState.Initializing))
            {
                return;
            }

            slot.State = WorkerState.Ready;
            _slotFailures[slot.Index] = 0;
            _failuresInARow = 0;
            UpdateHealth();
        }

        SignalReadyWaiters();
        Pump();
    }

    private void OnStartTimeout(WorkerSlot slot)
    {
        string reason;
        lock (_lock)
        {
            switch (slot.State)
            {
                case WorkerState.Starting:
                    reason = "it did not report ready within ProcessPoolOptions.WorkerStartTimeout";
                    break;
                case WorkerState.Initializing:
                    reason = "its initializer did not finish within ProcessPoolOptions.WorkerStartTimeout";
                    break;
                default:
                    return;
            }
        }

        slot.Channel.Kill(reason);
    }

    internal void OnDone(WorkerSlot slot, in DoneFrame done)
    {
        WorkUnit unit;
        lock (_lock)
        {
            // Peek first: on a mismatch the unit stays in flight, so the worker's exit fails it instead of stranding it.
            if (!slot.InFlight.TryPeek(out unit!) || unit.RunId != done.RunId)
            {
                throw new InvalidDataException($"Worker {slot.Channel.Id} answered call {done.RunId}, which it was not running.");
            }

            if (done.IsPartial)
            {
                int results = done.ResultCount;
                if (done.FirstItem != unit.ItemsDone || results <= 0 || done.FirstItem + results >= unit.Count)
                {
                    throw new InvalidDataException($"Worker {slot.Channel.Id} answered items {done.FirstItem}+{results} of call {done.RunId}, which has {unit.Count} and {unit.ItemsDone} answered.");
                }

                unit.ItemsDone = done.FirstItem + results;
            }
            else
            {
                slot.InFlight.Dequeue();
                slot.LastAnswerAt = _time.GetTimestamp();
                if (!unit.IsStartup)
                {
                    AdaptWindow(slot, done.ElapsedTicks);
                }
            }
        }

        if (unit.IsStartup)
        {
            if (unit.FailureOf(done) is { } failure)
            {
                slot.Channel.Kill(failure);
            }
            else
            {
                MarkStarted(slot);
            }

            return;
        }

        if (!done.IsPartial)
        {
            // A partial answer streams finished items of a run that goes on: the run is timed and its span ends once.
            _telemetry.RunAnswered(unit.Task, unit.TakeAttempt(), done);
        }

        try
        {
            if (done.IsPartial)
            {
                unit.OnPartial(done);
            }
            else
            {
                unit.OnDone(done);
            }
        }
        catch (Exception e)
        {
            // Results that do not deserialize (whatever the deserializer throws) fail their call, not the worker.
            // The unit may have left the in-flight queue, so it must be completed here or it would wait forever.
            unit.OnFailed(e);
        }
    }

    internal void OnTimedOut(WorkerSlot slot, long runId)
    {
        lock (_lock)
        {
            slot.TimedOutRunId = runId;
        }
    }

    /// <summary>The worker gave a run back that it had not started: it goes to the front of the queue, for an idle worker.</summary>
    internal void OnWithdrawn(WorkerSlot slot, long runId)
    {
        WorkUnit? unit;
        bool terminated;
        lock (_lock)
        {
            unit = slot.InFlight.FirstOrDefault(u => u.RunId == runId);
            if (unit is null || !RemoveInFlight(slot, unit))
            {
                throw new InvalidDataException($"Worker {slot.Channel.Id} gave back call {runId}, which it did not hold.");
            }

            unit.Withdrawing = false;
            terminated = _state == PoolState.Terminated;
            if (!unit.IsAbandoned && !terminated)
            {
                _retries.Enqueue(unit);
            }
        }

        PoolTelemetry.RunWithdrawn(unit.TakeAttempt());
        if (terminated && !unit.IsAbandoned)
        {
            unit.OnFailed(Terminated()); // given back as the pool was terminated: nothing will run it now
            return;
        }

        Pump();
    }

    internal void OnExited(WorkerSlot slot, WorkerExit exit)
    {
        List<WorkUnit> failed = [];
        WorkUnit? timedOut = null;
        bool respawn;
        bool failedStart = false;
        WorkerState previous;
        WorkUnit[] held;
        int retried = 0;
        lock (_lock)
        {
            if (slot.State == WorkerState.Exited)
            {
                return; // parked for the next pool just before it died: this pool counted it out already
            }

            slot.StartTimer?.Dispose();
            previous = slot.State;
            held = [.. slot.InFlight];
            slot.State = WorkerState.Exited;
            if (ReferenceEquals(_slots[slot.Index], slot))
            {
                _slots[slot.Index] = null;
            }

            _liveWorkers--;
            if (previous is WorkerState.Starting or WorkerState.Initializing && _state != PoolState.Terminated && !exit.KilledFromOutside)
            {
                failedStart = true;
                _slotFailures[slot.Index]++;
                _failuresInARow++;
                _lastStartFailure = new WorkerCrashedException(
                    slot.Channel.Id,
                    exit.ExitCode,
                    $"it failed to start {_failuresInARow} times in a row{(exit.Detail is null ? "" : $" ({exit.Detail})")}; see its output above");
            }

            foreach (WorkUnit unit in slot.InFlight)
            {
                if (unit.IsAbandoned)
                {
                    continue;
                }

                if (_state == PoolState.Terminated)
                {
                    // Nothing runs again after Terminate: what the worker held, started or not, ends as cancelled.
                    failed.Add(unit);
                    continue;
                }

                if (slot.TimedOutRunId != 0)
                {
                    // The worker gave up on one run past the task timeout; the runs queued behind it never started.
                    if (unit.RunId == slot.TimedOutRunId)
                    {
                        timedOut = unit;
                    }
                    else
                    {
                        _retries.Enqueue(unit);
                        retried++;
                    }

                    continue;
                }

                if (exit.LastStartedRunId is long started && unit.RunId > started)
                {
                    // Sent, but the worker never took it up: it did nothing, so it runs elsewhere as it is.
                    _retries.Enqueue(unit);
                    continue;
                }

                if (exit.LastBegunRunId is long begun && unit.RunId > begun && unit.TryRerunNotBegun())
                {
                    // Taken up, but the worker died while it read the arguments: the task never began, so it did nothing either.
                    _retries.Enqueue(unit);
                    continue;
                }

                // It was running (or had just finished, its answer lost): the items answered are done, the first one
                // without an answer is the one that was running.
                unit.AdvanceAfterCrash();
                if (unit.CrashCount <= unit.MaxRetries)
                {
                    _retries.Enqueue(unit);
                    retried++;
                }
                else
                {
                    failed.Add(unit);
                }
            }

            slot.InFlight.Clear();
            respawn = _state == PoolState.Running || (_state == PoolState.Closed && HasQueuedWork());
            if (respawn && failedStart)
            {
                respawn = ScheduleRestart(slot.Index);
            }

            UpdateHealth();
            CheckAllExited();
        }

        WorkerExitReason exitReason = ReportExit(slot, previous, exit, held, timedOut, failed.Count + (timedOut is null ? 0 : 1), retried, respawn);
        int id = slot.Channel.Id;
        Exception crash = _state == PoolState.Terminated
            ? Terminated()
            : new WorkerCrashedException(id, exit.ExitCode, exit.Detail);
        timedOut?.OnFailed(new TimeoutException(
            $"{timedOut.Task.Name} ran longer than ProcessPoolOptions.TaskTimeout ({TimeSpan.FromMilliseconds(_taskTimeoutMilliseconds * (double)timedOut.Count)} for {timedOut.Count} item(s)) in worker {id}, which was stopped and replaced."));
        foreach (WorkUnit unit in failed)
        {
            unit.OnFailed(crash is WorkerCrashedException
                ? slot.Channel.CrashOf(exit, unit.Task.Name)
                : crash);
        }

        FailQueuedIfUnavailable();
        if (respawn)
        {
            StartWorker(slot.Index, throwOnError: false, exitReason == WorkerExitReason.Recycled ? WorkerStartReason.Recycle : WorkerStartReason.Restart);
        }

        Pump();
    }

    /// <summary>Fails every call still waiting in the queue (the pool was terminated or cannot start workers).</summary>
    private void FailQueued(Exception exception)
    {
        List<IWorkSource> sources;
        List<WorkUnit> retries;
        lock (_lock)
        {
            sources = [.. _sources];
            _sources.Clear();
            retries = [.. _retries];
            _retries.Clear();
        }

        foreach (IWorkSource source in sources)
        {
            source.Abort(exception);
        }

        foreach (WorkUnit unit in retries)
        {
            unit.OnFailed(exception);
        }
    }

    /// <summary>
    /// The parent's backstop for the task timeout: a worker stops itself when a run takes too long, but one that cannot
    /// run its watchdog (stopped with SIGSTOP, or its thread pool starved) would hold the run forever. Such a worker is
    /// killed one second after its own watchdog should have fired, and its run fails with the same <see cref="TimeoutException"/>.
    /// </summary>
    private void KillStuckWorkers()
    {
        List<(WorkerSlot Slot, long RunId)> stuck = [];
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            foreach (WorkerSlot? slot in _slots)
            {
                // The oldest run is the one the worker runs, since it was sent or since the run before it was answered.
                if (slot is not null && slot.InFlight.TryPeek(out WorkUnit? running) && !running.IsStartup
                    && now - slot.RunningSince > WorkerStartInfo.CallBudgetTicks(_taskTimeoutMilliseconds, running.Count, StuckGraceMilliseconds, _time.TimestampFrequency))
                {
                    if (slot.TimedOutRunId == 0)
                    {
                        slot.TimedOutRunId = running.RunId;
                    }

                    stuck.Add((slot, slot.TimedOutRunId));
                }
            }
        }

        foreach ((WorkerSlot slot, long runId) in stuck)
        {
            slot.Channel.Kill($"call {runId} ran past ProcessPoolOptions.TaskTimeout and the worker did not stop itself");
        }
    }
}
