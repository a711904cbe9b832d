namespace ParallelGen.Backends;

/// <summary>
/// Where a pool's work runs: the seam between the pool's scheduling and failure policy (<c>Pool/</c>), which never
/// knows what a worker is, and a backend that runs <c>Run</c> frames somewhere (<c>Backends/Process</c>: a child process
/// per worker).
/// </summary>
internal interface IWorkerBackend
{
    /// <summary>Starts one worker. Its events go to <paramref name="events"/> once the channel is started.</summary>
    /// <returns>The channel to the new worker, not yet started (see <see cref="IWorkerChannel.Start"/>).</returns>
    /// <exception cref="Exception">No worker could be started (the caller counts it as a failed start).</exception>
    IWorkerChannel Launch(IWorkerEvents events);

    /// <summary>
    /// Gets whether something next to each worker process enforces the task timeout reliably, so that the pool needs
    /// no backstop of its own: a cluster node's local pool, whose backstop sees its own workers, where the remote pool
    /// would only see a node's queue. A process backend's workers can be frozen, so the pool backs them up.
    /// </summary>
    bool EnforcesTaskTimeout => false;
}
