namespace ParallelGen;

public partial class ProcessPool
{
    /// <summary>
    /// Waits until every worker process has started and answered. Calls never need this (work queues until workers
    /// are ready); it is for measuring, or for paying the start-up cost before a timed section.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ObjectDisposedException">The pool was terminated while waiting.</exception>
    /// <remarks>On a cluster pool: until at least one node is attached and every worker it offers has taken its place.</remarks>
    public Task WaitForWorkersAsync(CancellationToken cancellationToken = default) => WaitForWorkersCoreAsync(cancellationToken);

    /// <summary>What <see cref="WaitForWorkersAsync"/> waits for: every slot's worker started, here.</summary>
    internal virtual Task WaitForWorkersCoreAsync(CancellationToken cancellationToken) => _scheduler.WaitForWorkersAsync(cancellationToken);
}
