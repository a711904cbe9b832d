namespace ParallelGen.Wire;

/// <summary>
/// Puts numbered batches back in order: hands out each batch once every batch before it was handed out, and drops
/// copies of batches it has (the sender sends again what it has no acknowledgement for, see <see cref="Outbox"/>).
/// </summary>
/// <remarks>Not thread-safe: the owner serializes its calls. <see cref="Acknowledged"/> may be read from any thread.</remarks>
internal sealed class Inbox
{
    private readonly SortedDictionary<long, byte[]> _early = [];
    private long _next = 1;
    private int _owesAcknowledgement;

    /// <summary>Gets the highest sequence number up to which every batch was handed out: what the sender may forget.</summary>
    public long Acknowledged => Interlocked.Read(ref _next) - 1;

    /// <summary>
    /// Takes batch <paramref name="sequence"/>; returns the batches that are now in order (none if it came early, or
    /// twice). Sequence 0 is no batch: a heartbeat or an acknowledgement alone, which nobody acknowledges.
    /// </summary>
    public List<byte[]> Accept(long sequence, byte[] records)
    {
        List<byte[]> ready = [];
        if (sequence <= 0)
        {
            return ready;
        }

        if (sequence > _next)
        {
            _early[sequence] = records;
        }
        else if (sequence == _next)
        {
            ready.Add(records);
            long next = _next + 1;
            while (_early.Remove(next, out byte[]? early))
            {
                ready.Add(early);
                next++;
            }

            Interlocked.Exchange(ref _next, next);
        }

        // Acknowledged even if it is a copy (the acknowledgement the sender waits for may be the one that was lost),
        // and only once what it acknowledges is set.
        Volatile.Write(ref _owesAcknowledgement, 1);
        return ready;
    }

    /// <summary>Takes the acknowledgement to send, if a batch came since the last one was taken; any thread.</summary>
    /// <param name="acknowledged">The highest sequence number handled.</param>
    /// <returns><see langword="true"/> if the sender has not been told about a batch that came.</returns>
    public bool TakeOwedAcknowledgement(out long acknowledged)
    {
        bool owed = Interlocked.Exchange(ref _owesAcknowledgement, 0) != 0;
        acknowledged = Acknowledged;
        return owed;
    }
}
