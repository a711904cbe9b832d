namespace ParallelGen.Wire;

/// <summary>Puts numbered batches back in order: hands out each batch once every batch before it was handed out.</summary>
/// <remarks>Not thread-safe: the owner serializes its calls.</remarks>
internal sealed class Inbox
{
    private readonly SortedDictionary<long, byte[]> _early = [];
    private long _next = 1;

    /// <summary>Takes batch <paramref name="sequence"/>; returns the batches that are now in order (none if it came early, or twice).</summary>
    public List<byte[]> Accept(long sequence, byte[] records)
    {
        List<byte[]> ready = [];
        if (sequence < _next)
        {
            return ready;
        }

        if (sequence > _next)
        {
            _early[sequence] = records;
            return ready;
        }

        ready.Add(records);
        _next++;
        while (_early.Remove(_next, out byte[]? next))
        {
            ready.Add(next);
            _next++;
        }

        return ready;
    }
}
