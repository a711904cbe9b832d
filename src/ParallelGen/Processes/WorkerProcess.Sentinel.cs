namespace ParallelGen;

/// <summary>Python's <c>Process.sentinel</c> and <c>Process.close()</c>.</summary>
public sealed partial class WorkerProcess
{
    private ManualResetEvent? _sentinel;
    private int _closed;

    /// <summary>
    /// Gets a wait handle that is signalled when the process has exited (Python's <c>sentinel</c>): wait for the first
    /// of several processes with <c>WaitHandle.WaitAny([a.Sentinel, b.Sentinel])</c>, as with Python's
    /// <c>multiprocessing.connection.wait</c>. Asynchronous code awaits <see cref="WaitForExitAsync"/> instead.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The object was closed (<see cref="Close"/>).</exception>
    public WaitHandle Sentinel
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
            if (Volatile.Read(ref _sentinel) is { } existing)
            {
                return existing;
            }

            ManualResetEvent created = new(initialState: false);
            if (Interlocked.CompareExchange(ref _sentinel, created, null) is { } raced)
            {
                created.Dispose();
                return raced;
            }

            _exited.Task.ContinueWith(
                static (_, state) =>
                {
                    try
                    {
                        ((ManualResetEvent)state!).Set();
                    }
                    catch (ObjectDisposedException)
                    {
                        // Closed right after the exit: nobody can wait on it any more.
                    }
                },
                created,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return created;
        }
    }

    /// <summary>
    /// Releases what this object holds (its <see cref="Sentinel"/>), as Python's <c>close()</c>; the other members
    /// keep reporting how the process ended. Closing twice does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process is still running (Python raises <c>ValueError</c>); <see cref="Join()"/> it, or <see cref="Kill"/> it, first.</exception>
    public void Close()
    {
        if (IsAlive)
        {
            throw new InvalidOperationException($"{Name} (pid {Pid}) is still running: Join or Kill it before Close.");
        }

        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Interlocked.Exchange(ref _sentinel, null)?.Dispose();
        }
    }
}
