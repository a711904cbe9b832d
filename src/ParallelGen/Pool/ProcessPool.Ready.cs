namespace ParallelGen;

public sealed partial class ProcessPool
{
    private TaskCompletionSource? _readyWaiter;

    /// <summary>
    /// Waits until every worker process has started and answered. Calls never need this (work queues until workers
    /// are ready); it is for measuring, or for paying the start-up cost before a timed section.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ObjectDisposedException">The pool was terminated while waiting.</exception>
    public Task WaitForWorkersAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_state == PoolState.Terminated)
            {
                return Task.FromException(new ObjectDisposedException(nameof(ProcessPool), "The pool was terminated or disposed."));
            }

            if (AllWorkersReady())
            {
                return Task.CompletedTask;
            }

            _readyWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _readyWaiter.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes <see cref="WaitForWorkersAsync"/> once every slot has a ready worker.</summary>
    private void SignalReadyWaiters()
    {
        lock (_lock)
        {
            if (_readyWaiter is not null && AllWorkersReady())
            {
                _readyWaiter.TrySetResult();
                _readyWaiter = null;
            }
        }
    }

    /// <summary>Fails <see cref="WaitForWorkersAsync"/> when the pool is terminated.</summary>
    private void FailReadyWaiters()
    {
        lock (_lock)
        {
            _readyWaiter?.TrySetException(new ObjectDisposedException(nameof(ProcessPool), "The pool was terminated or disposed before all workers were ready."));
            _readyWaiter = null;
        }
    }

    private bool AllWorkersReady() => _slots.All(worker => worker is { IsReady: true });
}
