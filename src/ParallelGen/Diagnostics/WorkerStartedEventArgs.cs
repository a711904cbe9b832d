namespace ParallelGen;

/// <summary>The data of <see cref="ProcessPool.WorkerStarted"/>: a worker process was launched.</summary>
public sealed class WorkerStartedEventArgs : EventArgs
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="workerPid">The new worker's process id.</param>
    /// <param name="reason">Why it was started.</param>
    public WorkerStartedEventArgs(int workerPid, WorkerStartReason reason)
    {
        WorkerPid = workerPid;
        Reason = reason;
    }

    /// <summary>Gets the new worker's process id.</summary>
    public int WorkerPid { get; }

    /// <summary>Gets why the worker was started: with the pool, to replace one that died, or to replace a retired one.</summary>
    public WorkerStartReason Reason { get; }
}
