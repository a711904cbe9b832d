using ParallelGen.Transport;

namespace ParallelGen.Wire;

/// <summary>
/// Records waiting to be sent one way, in batches: written under the owner's lock, cut into messages of about
/// <see cref="BatchBytes"/>, each numbered so that the receiver handles them in order whatever order they arrive in.
/// </summary>
internal sealed class Outbox
{
    /// <summary>The size at which a batch is cut: large enough to amortize a message, small enough not to delay the first record much.</summary>
    public const int BatchBytes = 1 << 20;

    private readonly Queue<byte[]> _full = new();
    private FrameBuffer _current = new(16 * 1024);
    private long _sequence;

    /// <summary>Gets the buffer to write records into. Under the owner's lock.</summary>
    public FrameBuffer Buffer => _current;

    /// <summary>Gets whether anything is waiting.</summary>
    public bool IsEmpty => _full.Count == 0 && _current.Length == 0;

    /// <summary>Closes the batch being written if it is large enough. Under the owner's lock, after each record.</summary>
    public void CutIfFull()
    {
        if (_current.Length >= BatchBytes)
        {
            Cut();
        }
    }

    /// <summary>Takes every waiting batch, each with its sequence number. Under the owner's lock.</summary>
    public List<(long Sequence, byte[] Records)> TakeAll()
    {
        Cut();
        List<(long, byte[])> batches = new(_full.Count);
        while (_full.TryDequeue(out byte[]? records))
        {
            batches.Add((++_sequence, records));
        }

        return batches;
    }

    /// <summary>Takes an empty batch with the next sequence number: a heartbeat. Under the owner's lock.</summary>
    public (long Sequence, byte[] Records) TakeHeartbeat() => (++_sequence, []);

    private void Cut()
    {
        if (_current.Length > 0)
        {
            _full.Enqueue(_current.WrittenSpan.ToArray());
            _current.Clear();
        }
    }
}
