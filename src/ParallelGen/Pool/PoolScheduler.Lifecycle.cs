namespace ParallelGen.Pool;

/// <summary>The pool's lifecycle: close, terminate, and waiting for workers to start or to exit.</summary>
internal sealed partial class PoolScheduler
{
    private readonly TaskCompletionSource _allExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _readyWaiter;
    private PoolState _state;

    private enum PoolState
    {
        Running,
        Closed,
        Terminated,
    }

    /// <summary>Stops accepting work; queued and running calls finish, then the workers exit.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_state != PoolState.Running)
            {
                return;
            }

            _state = PoolState.Closed;
            CheckAllExited();
        }

        Pump();
    }

    /// <summary>Stops every worker now; queued and running calls fail with <see cref="OperationCanceledException"/>.</summary>
    public void Terminate()
    {
        List<WorkerSlot> workers;
        lock (_lock)
        {
            if (_state == PoolState.Terminated)
            {
                return;
            }

            // Idle workers go on to serve the next pool, when workers are reused; the others are killed.
            foreach (WorkerSlot slot in _slots.OfType<WorkerSlot>())
            {
                TryMarkParked(slot);
            }

            _state = PoolState.Terminated;
            _stuckWorkerCheck?.Dispose();
            _rebalanceTimer.Dispose();
            foreach (ITimer? timer in _restartTimers)
            {
                timer?.Dispose();
            }

            workers = [.. _slots.OfType<WorkerSlot>()];
            CheckAllExited();
        }

        ParkCollected();
        FailQueued(Terminated());
        FailReadyWaiters();
        foreach (WorkerSlot slot in workers)
        {
            slot.Channel.Kill();
        }
    }

    /// <summary>Waits until every worker has exited.</summary>
    /// <exception cref="InvalidOperationException">The pool is still running.</exception>
    public Task JoinAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_state == PoolState.Running)
            {
                throw new InvalidOperationException("Join() needs Close() or Terminate() first; otherwise the workers never exit.");
            }
        }

        return _allExited.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits at most <paramref name="timeout"/> for every worker to exit, whatever the state.</summary>
    public bool WaitForExit(TimeSpan timeout) => _allExited.Task.Wait(timeout);

    /// <summary>Waits until every worker has started.</summary>
    /// <exception cref="ObjectDisposedException">The pool was terminated while waiting.</exception>
    public Task WaitForWorkersAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_state == PoolState.Terminated)
            {
                return Task.FromException(new ObjectDisposedException(nameof(ProcessPool), "The pool was terminated or disposed."));
            }

            if (AllWorkersStarted())
            {
                return Task.CompletedTask;
            }

            _readyWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _readyWaiter.Task.WaitAsync(cancellationToken);
        }
    }

    private static OperationCanceledException Terminated() =>
        new("The process pool was terminated before the call completed.");

    private void CheckAllExited()
    {
        if (_state != PoolState.Running && _liveWorkers == 0)
        {
            _stuckWorkerCheck?.Dispose();
            _telemetry.Unregister();
            _allExited.TrySetResult();
        }
    }

    private void SignalReadyWaiters()
    {
        lock (_lock)
        {
            if (_readyWaiter is not null && AllWorkersStarted())
            {
                _readyWaiter.TrySetResult();
                _readyWaiter = null;
            }
        }
    }

    private void FailReadyWaiters()
    {
        lock (_lock)
        {
            _readyWaiter?.TrySetException(new ObjectDisposedException(nameof(ProcessPool), "The pool was terminated or disposed before all workers were ready."));
            _readyWaiter = null;
        }
    }

    private bool AllWorkersStarted() => _slots.All(slot => slot is { HasStarted: true });
}
