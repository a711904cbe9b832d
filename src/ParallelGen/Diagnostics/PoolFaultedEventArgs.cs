namespace ParallelGen;

/// <summary>
/// The data of <see cref="ProcessPool.Faulted"/>: the pool cannot start worker processes (three start failures in a
/// row), so its queued calls failed and every later call fails with <see cref="Exception"/>.
/// </summary>
public sealed class PoolFaultedEventArgs : EventArgs
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="exception">Why the pool cannot start workers.</param>
    public PoolFaultedEventArgs(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Exception = exception;
    }

    /// <summary>Gets why the pool cannot start workers: a <see cref="WorkerCrashedException"/> naming the last failure.</summary>
    public Exception Exception { get; }
}
