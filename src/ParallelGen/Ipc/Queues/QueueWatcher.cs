using ParallelGen.Platform;
namespace ParallelGen.Ipc;

/// <summary>
/// Lets the async calls of one queue wait without blocking a thread each: while any is waiting, one background thread
/// sleeps on the queue's condition variable and wakes them whenever the queue changes (an item put or taken, in any
/// process); each then tries again without waiting.
/// </summary>
internal sealed class QueueWatcher(SharedSegment memory)
{
    /// <summary>How often the thread looks up from its wait, to stop when nobody waits any more or the queue is disposed.</summary>
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    private readonly List<Waiter> _waiters = [];
    private Thread? _thread;
    private bool _stopped;

    /// <summary>Completes once the queue's <see cref="QueueRing.Version"/> differs from <paramref name="seen"/>.</summary>
    /// <exception cref="ObjectDisposedException">The queue was disposed in this process.</exception>
    public Task WhenChanged(long seen, CancellationToken cancellationToken)
    {
        Waiter waiter = new(seen);
        lock (_waiters)
        {
            ObjectDisposedException.ThrowIf(_stopped, typeof(ProcessQueue<>));
            _waiters.Add(waiter);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "ParallelGen queue watcher" };
                _thread.Start();
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Cancellation = cancellationToken.Register(() =>
            {
                lock (_waiters)
                {
                    _waiters.Remove(waiter);
                }

                waiter.TrySetCanceled(cancellationToken);
            });
        }

        return waiter.Task;
    }

    /// <summary>Stops the thread before the queue's memory goes away; waiting calls fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Stop()
    {
        Thread? thread;
        lock (_waiters)
        {
            _stopped = true;
            thread = _thread;
        }

        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }

        Release(static _ => true, new ObjectDisposedException(nameof(ProcessQueue<int>)));
    }

    /// <summary>Wakes every waiting call now, so that each looks at its queue again (which was closed meanwhile).</summary>
    public void Interrupt() => Release(static _ => true, null);

    private void Run()
    {
        while (true)
        {
            long now = QueueRing.Of(memory).Version;
            Release(waiter => waiter.Seen != now, null);
            lock (_waiters)
            {
                if (_stopped || _waiters.Count == 0)
                {
                    _thread = null;
                    return;
                }
            }

            QueueRing.Of(memory).WaitForChange(now, Deadline.After(Slice));
        }
    }

    /// <summary>Completes and forgets the waiters that <paramref name="done"/> picks, with <paramref name="error"/> if given.</summary>
    private void Release(Predicate<Waiter> done, Exception? error)
    {
        List<Waiter> released;
        lock (_waiters)
        {
            released = _waiters.FindAll(done);
            _waiters.RemoveAll(done);
        }

        foreach (Waiter waiter in released)
        {
            waiter.Cancellation.Dispose();
            _ = error is null ? waiter.TrySetResult() : waiter.TrySetException(error);
        }
    }

    /// <summary>One async call waiting for the queue to change from the version it saw.</summary>
    private sealed class Waiter(long seen) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long Seen { get; } = seen;

        public CancellationTokenRegistration Cancellation { get; set; }
    }
}
