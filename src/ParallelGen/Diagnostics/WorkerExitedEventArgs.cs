namespace ParallelGen;

/// <summary>The data of <see cref="ProcessPool.WorkerExited"/>: a worker process of the pool is gone.</summary>
public sealed class WorkerExitedEventArgs : EventArgs
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="workerPid">The worker's process id.</param>
    /// <param name="reason">Why it exited.</param>
    /// <param name="exitCode">Its exit code, or minus the signal number that killed it; <see langword="null"/> if unknown.</param>
    /// <param name="detail">What else is known: the reason it was stopped, a protocol error, its last words.</param>
    /// <param name="taskName">For <see cref="WorkerExitReason.TimedOut"/>: the task whose call ran too long.</param>
    /// <param name="failedCalls">How many calls (or chunks) failed because of this exit.</param>
    /// <param name="retriedCalls">How many calls (or chunks) it held were sent to other workers.</param>
    /// <param name="replaced">Whether the pool started a worker in its place.</param>
    public WorkerExitedEventArgs(int workerPid, WorkerExitReason reason, int? exitCode, string? detail, string? taskName, int failedCalls, int retriedCalls, bool replaced)
    {
        WorkerPid = workerPid;
        Reason = reason;
        ExitCode = exitCode;
        Detail = detail;
        TaskName = taskName;
        FailedCalls = failedCalls;
        RetriedCalls = retriedCalls;
        Replaced = replaced;
    }

    /// <summary>Gets the worker's process id.</summary>
    public int WorkerPid { get; }

    /// <summary>Gets why the worker exited.</summary>
    public WorkerExitReason Reason { get; }

    /// <summary>Gets the exit code, or minus the number of the signal that killed the worker; <see langword="null"/> if unknown.</summary>
    public int? ExitCode { get; }

    /// <summary>Gets what else is known about the exit (why the pool stopped it, a protocol error), or <see langword="null"/>.</summary>
    public string? Detail { get; }

    /// <summary>Gets the task whose call ran past <see cref="ProcessPoolOptions.TaskTimeout"/>, for a <see cref="WorkerExitReason.TimedOut"/> exit.</summary>
    public string? TaskName { get; }

    /// <summary>Gets how many runs (calls, or chunks of bulk calls) failed because of this exit.</summary>
    public int FailedCalls { get; }

    /// <summary>Gets how many runs the worker held were queued again for other workers (<c>MaxRetries</c>, or runs that had not started).</summary>
    public int RetriedCalls { get; }

    /// <summary>Gets whether the pool started a worker in its place.</summary>
    public bool Replaced { get; }
}
