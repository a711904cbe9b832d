namespace ParallelGen;

public partial class ProcessPool : IDisposable, IAsyncDisposable
{
    /// <summary>
    /// Stops accepting new work (Python's <c>close()</c>). Queued and running calls finish; then the workers exit.
    /// Calls made after this throw <see cref="InvalidOperationException"/>. Follow with <see cref="Join()"/> to wait.
    /// </summary>
    public void Close() => _scheduler.Close();

    /// <summary>
    /// Stops the workers now (Python's <c>terminate()</c>): they are killed with SIGKILL. Queued and running calls fail
    /// with <see cref="OperationCanceledException"/>; calls made afterwards throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Terminate() => _scheduler.Terminate();

    /// <summary>Waits until every worker has exited (Python's <c>join()</c>). Call <see cref="Close"/> or <see cref="Terminate"/> first.</summary>
    /// <exception cref="InvalidOperationException">The pool is still running.</exception>
    public void Join() => JoinAsync().GetAwaiter().GetResult();

    /// <summary>Waits until every worker has exited, or the timeout passes.</summary>
    /// <returns>Whether all workers exited in time.</returns>
    /// <exception cref="InvalidOperationException">The pool is still running.</exception>
    public bool Join(TimeSpan timeout)
    {
        Task joined = JoinAsync();
        return joined.Wait(timeout);
    }

    /// <summary>Waits asynchronously until every worker has exited. Call <see cref="Close"/> or <see cref="Terminate"/> first.</summary>
    /// <exception cref="InvalidOperationException">The pool is still running.</exception>
    public Task JoinAsync(CancellationToken cancellationToken = default) => _scheduler.JoinAsync(cancellationToken);

    /// <summary>Terminates the pool (like leaving Python's <c>with Pool()</c> block) and waits briefly for the workers to be reaped.</summary>
    public void Dispose()
    {
        Terminate();
        _scheduler.WaitForExit(TimeSpan.FromSeconds(5));
        ReleaseBackend();
    }

    /// <summary>Closes the pool gracefully: queued and running calls finish, then the workers exit.</summary>
    public async ValueTask DisposeAsync()
    {
        Close();
        await JoinAsync().ConfigureAwait(false);
        await ReleaseBackendAsync().ConfigureAwait(false);
    }

    /// <summary>Releases what the backend holds once its workers are gone (a cluster pool: its silo). Nothing here.</summary>
    internal virtual void ReleaseBackend()
    {
    }

    /// <inheritdoc cref="ReleaseBackend"/>
    internal virtual ValueTask ReleaseBackendAsync() => ValueTask.CompletedTask;
}
