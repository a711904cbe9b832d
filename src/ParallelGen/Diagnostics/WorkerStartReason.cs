namespace ParallelGen;

/// <summary>Why a pool started a worker process (<see cref="WorkerStartedEventArgs.Reason"/>).</summary>
public enum WorkerStartReason
{
    /// <summary>One of the pool's first workers, started with the pool.</summary>
    Initial,

    /// <summary>A replacement for a worker that died, timed out or failed to start.</summary>
    Restart,

    /// <summary>A replacement for a worker retired after <see cref="ProcessPoolOptions.MaxTasksPerWorker"/> tasks.</summary>
    Recycle,
}
