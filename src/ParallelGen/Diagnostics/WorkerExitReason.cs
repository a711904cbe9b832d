namespace ParallelGen;

/// <summary>Why a worker process of a pool exited (<see cref="WorkerExitedEventArgs.Reason"/>).</summary>
public enum WorkerExitReason
{
    /// <summary>The pool was closed and the worker, its work done, exited as asked.</summary>
    Shutdown,

    /// <summary>The worker had run <see cref="ProcessPoolOptions.MaxTasksPerWorker"/> tasks and was retired as asked.</summary>
    Recycled,

    /// <summary>
    /// The worker died unexpectedly: it was killed (by a signal, the OOM killer, a user), exited on its own, or broke
    /// the protocol. The calls it held failed with <see cref="WorkerCrashedException"/> or were retried.
    /// </summary>
    Crashed,

    /// <summary>A call ran longer than <see cref="ProcessPoolOptions.TaskTimeout"/>; the worker was stopped and its call failed with <see cref="TimeoutException"/>.</summary>
    TimedOut,

    /// <summary>The worker died or was stopped before it was ready (its initializer included), or did not start within <see cref="ProcessPoolOptions.WorkerStartTimeout"/>.</summary>
    StartFailed,

    /// <summary>The pool was terminated (<see cref="ProcessPool.Terminate"/> or <see cref="ProcessPool.Dispose"/>) and the worker killed.</summary>
    Terminated,
}
