namespace ParallelGen;

/// <summary>
/// A <see cref="ProcessBarrier"/> is broken (Python's <c>threading.BrokenBarrierError</c>): a party timed out, the
/// barrier was aborted or reset while parties waited, or its action failed. Every party waiting at the barrier gets
/// it, and so does every later <c>SignalAndWait</c> until <see cref="ProcessBarrier.Reset"/>.
/// </summary>
/// <remarks>The party whose own timeout broke the barrier gets it with a <see cref="TimeoutException"/> as
/// <see cref="Exception.InnerException"/>; one <c>catch (BrokenBarrierException)</c> handles every case, as
/// <c>except BrokenBarrierError</c> does in Python.</remarks>
public sealed class BrokenBarrierException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public BrokenBarrierException()
        : this("The barrier is broken.")
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    public BrokenBarrierException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that broke the barrier.</summary>
    public BrokenBarrierException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
