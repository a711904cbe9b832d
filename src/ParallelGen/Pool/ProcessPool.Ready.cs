namespace ParallelGen;

public sealed partial class ProcessPool
{
    /// <summary>
    /// Waits until every worker process has started and answered. Calls never need this (work queues until workers
    /// are ready); it is for measuring, or for paying the start-up cost before a timed section.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ObjectDisposedException">The pool was terminated while waiting.</exception>
    public Task WaitForWorkersAsync(CancellationToken cancellationToken = default) => _scheduler.WaitForWorkersAsync(cancellationToken);
}
