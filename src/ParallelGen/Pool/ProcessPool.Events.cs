namespace ParallelGen;

public partial class ProcessPool
{
    /// <summary>
    /// Raised when the pool launches a worker process: with the pool, and for each replacement of a worker that died,
    /// timed out or was recycled (<see cref="WorkerStartedEventArgs.Reason"/>).
    /// </summary>
    /// <remarks>
    /// This and the pool's other events are raised on a thread-pool thread, one handler at a time, in the order the
    /// pool saw what they report, never under a lock of the pool: a handler may call the pool. A handler that throws is
    /// written to <see cref="System.Diagnostics.Trace"/> and does not stop the others. The hosting package
    /// (<c>ParallelGen.Extensions.Hosting</c>) logs them, and <see cref="HealthChanged"/>.
    /// </remarks>
    public event EventHandler<WorkerStartedEventArgs>? WorkerStarted
    {
        add => _telemetry.WorkerStartedHandlers += value;
        remove => _telemetry.WorkerStartedHandlers -= value;
    }

    /// <summary>
    /// Raised when a worker process of the pool exits, with why (<see cref="WorkerExitedEventArgs.Reason"/>): a crash,
    /// a call past <see cref="ProcessPoolOptions.TaskTimeout"/>, a failed start, recycling, shutdown or termination.
    /// </summary>
    /// <remarks>Raised like <see cref="WorkerStarted"/>; for a crash or a timeout, after the calls it held have failed.</remarks>
    public event EventHandler<WorkerExitedEventArgs>? WorkerExited
    {
        add => _telemetry.WorkerExitedHandlers += value;
        remove => _telemetry.WorkerExitedHandlers -= value;
    }
}
