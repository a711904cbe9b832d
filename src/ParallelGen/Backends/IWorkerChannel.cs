namespace ParallelGen.Backends;

/// <summary>The pool's handle on one worker: what it can send it and how it can stop it.</summary>
/// <remarks>
/// All members are thread-safe. A worker runs its runs one at a time, in the order they were sent, and answers each
/// with a <c>Done</c> frame in that order (<see cref="IWorkerEvents.OnDone"/>).
/// </remarks>
internal interface IWorkerChannel
{
    /// <summary>Gets a number that names the worker in messages and <c>WorkerPids</c>: the process id for processes.</summary>
    int Id { get; }

    /// <summary>Starts delivering the worker's events. Called once, after the owner has recorded the channel.</summary>
    void Start();

    /// <summary>Queues a <c>Run</c> frame; nothing is written until <see cref="Flush"/>.</summary>
    /// <returns><see langword="false"/> if the worker is already gone: nothing was queued, and the run never started.</returns>
    /// <exception cref="Exception">The arguments could not be serialized, or are too large: nothing was queued.</exception>
    bool TrySend(IRunRequest request);

    /// <summary>Starts writing what is queued, without blocking the caller on a full pipe.</summary>
    void Flush();

    /// <summary>Asks the worker to stop the run if it is running, or to skip it when it comes. Does nothing once the worker is gone.</summary>
    void Cancel(long runId);

    /// <summary>Asks the worker to finish what was sent, then exit.</summary>
    void Shutdown();

    /// <summary>Stops the worker now; <paramref name="reason"/>, when given, becomes the detail of its exit.</summary>
    void Kill(string? reason = null);

    /// <summary>
    /// The error for a call this worker held when it exited: a <see cref="WorkerCrashedException"/> naming the process,
    /// unless the backend knows better (a cluster backend names the lost node, with a derived exception).
    /// </summary>
    WorkerCrashedException CrashOf(WorkerExit exit, string? taskName) => new(Id, exit.ExitCode, exit.Detail, taskName);
}
