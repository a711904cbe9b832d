namespace ParallelGen.Pool;

/// <summary>
/// Runs a pool's calls into user code (progress reports) one at a time, in the order they were posted, on a thread-pool
/// thread: never on a worker's channel thread, which must go on reading answers, and never under a library lock.
/// </summary>
/// <remarks>
/// Posting is cheap and never blocks, so it may happen under a lock: that is how reports keep the order in which their
/// figures were computed. A callback must not throw; the ones posted here catch what user code throws and fail their
/// call with it.
/// </remarks>
internal sealed class CallbackQueue
{
    private readonly Queue<(Action<object?> Callback, object? State)> _queue = new();
    private bool _draining;

    /// <summary>Queues <paramref name="callback"/>; it runs after every callback posted before it.</summary>
    public void Post(Action<object?> callback, object? state)
    {
        lock (_queue)
        {
            _queue.Enqueue((callback, state));
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static queue => queue.Drain(), this, preferLocal: false);
    }

    private void Drain()
    {
        while (true)
        {
            (Action<object?> callback, object? state) item;
            lock (_queue)
            {
                if (!_queue.TryDequeue(out item))
                {
                    _draining = false;
                    return;
                }
            }

            item.callback(item.state);
        }
    }
}
