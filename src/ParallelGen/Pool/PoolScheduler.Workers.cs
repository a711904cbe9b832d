using ParallelGen.Backends;
using ParallelGen.Diagnostics;
using ParallelGen.Protocol;

namespace ParallelGen.Pool;

/// <summary>The supervisor's half: starting workers, their events, their exits, and what follows from them.</summary>
internal sealed partial class PoolScheduler
{
    private const int MaxStartFailures = 3;

    /// <summary>How long past its task timeout a worker that has not stopped itself is given before the parent kills it.</summary>
    private const int StuckGraceMilliseconds = 1000;

    private readonly TimeSpan _workerStartTimeout;
    private readonly PoolInitializer? _initializer;
    private readonly int _taskTimeoutMilliseconds;
    private readonly ITimer? _stuckWorkerCheck;
    private int _liveWorkers;
    private int _startFailures;
    private Exception? _fault;

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
        try
        {
            slot.Channel = _backend.Launch(slot);
        }
        catch (Exception e)
        {
            if (throwOnError)
            {
                throw;
            }

            FailQueued(e);
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

    internal void OnReady(WorkerSlot slot)
    {
        if (_initializer is null)
        {
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
            _startFailures = 0;
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

            slot.InFlight.Dequeue();
            slot.LastAnswerAt = _time.GetTimestamp();
            if (!unit.IsStartup)
            {
                AdaptWindow(slot, done.ElapsedTicks);
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

        _telemetry.RunAnswered(unit.Task, unit.TakeAttempt(), done);
        try
        {
            unit.OnDone(done);
        }
        catch (Exception e)
        {
            // Results that do not deserialize (whatever the deserializer throws) fail their call, not the worker.
            // The unit has left the in-flight queue, so it must be completed here or it would wait forever.
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

    internal void OnExited(WorkerSlot slot, WorkerExit exit)
    {
        List<WorkUnit> failed = [];
        WorkUnit? timedOut = null;
        bool respawn;
        Exception? startFailure = null;
        WorkerState previous;
        WorkUnit[] held;
        int retried = 0;
        lock (_lock)
        {
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
                _startFailures++;
                if (_startFailures >= MaxStartFailures)
                {
                    startFailure = new WorkerCrashedException(
                        slot.Channel.Id,
                        exit.ExitCode,
                        $"it failed to start {_startFailures} times in a row{(exit.Detail is null ? "" : $" ({exit.Detail})")}; see its output above");
                    _fault ??= startFailure;
                }
            }

            foreach (WorkUnit unit in slot.InFlight)
            {
                if (unit.IsAbandoned)
                {
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

                if (_state != PoolState.Terminated && unit.CrashCount < unit.MaxRetries)
                {
                    unit.CrashCount++;
                    _retries.Enqueue(unit);
                    retried++;
                }
                else
                {
                    failed.Add(unit);
                }
            }

            slot.InFlight.Clear();
            respawn = _fault is null && (_state == PoolState.Running || (_state == PoolState.Closed && HasQueuedWork()));
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

        if (startFailure is not null)
        {
            _telemetry.Faulted(startFailure);
            FailQueued(startFailure);
        }

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
            _fault ??= exception;
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
                    && now - Math.Max(running.SentAt, slot.LastAnswerAt) > WorkerStartInfo.CallBudgetTicks(_taskTimeoutMilliseconds, running.Count, StuckGraceMilliseconds, _time.TimestampFrequency))
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
