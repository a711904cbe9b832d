using ParallelGen.Transport;

namespace ParallelGen.Wire;

/// <summary>
/// Records waiting to be sent one way, in batches: written under the owner's lock, cut into messages of about
/// <see cref="BatchBytes"/>, each numbered so that the receiver handles them in order whatever order they arrive in.
/// </summary>
/// <remarks>
/// Orleans delivers a one-way message at most once (a message that reaches an activation while it is deactivated, for
/// one, can be dropped), and the receiver handles batches strictly in order, so one lost batch would stall the link for
/// good. The outbox therefore keeps every batch it handed out until the receiver acknowledges it
/// (<see cref="Acknowledge"/>, from the highest sequence number the receiver's <see cref="Inbox"/> has handled), and
/// hands the unacknowledged ones out again once no acknowledgement came for <see cref="FirstResendMilliseconds"/>,
/// then at doubling intervals up to <see cref="MaxResendMilliseconds"/>. The receiver drops the copies it already has.
/// </remarks>
internal sealed class Outbox
{
    /// <summary>The size at which a batch is cut: large enough to amortize a message, small enough not to delay the first record much.</summary>
    public const int BatchBytes = 1 << 20;

    /// <summary>How long a batch waits for its acknowledgement before it is sent again. Receivers acknowledge within about a second.</summary>
    public const long FirstResendMilliseconds = 3_000;

    /// <summary>The longest wait between two sends of the same batches.</summary>
    public const long MaxResendMilliseconds = 30_000;

    private readonly Queue<byte[]> _full = new();
    private readonly Queue<(long Sequence, byte[] Records)> _unacknowledged = new();
    private FrameBuffer _current = new(16 * 1024);
    private long _sequence;
    private long _resendAt;
    private long _resendInterval = FirstResendMilliseconds;

    /// <summary>Gets the buffer to write records into. Under the owner's lock.</summary>
    public FrameBuffer Buffer => _current;

    /// <summary>Gets whether anything is waiting.</summary>
    public bool IsEmpty => _full.Count == 0 && _current.Length == 0;

    /// <summary>Gets how many batches were handed out and not acknowledged yet.</summary>
    public int Unacknowledged => _unacknowledged.Count;

    /// <summary>Closes the batch being written if it is large enough. Under the owner's lock, after each record.</summary>
    public void CutIfFull()
    {
        if (_current.Length >= BatchBytes)
        {
            Cut();
        }
    }

    /// <summary>Takes every waiting batch, each with its sequence number, and keeps them until acknowledged. Under the owner's lock.</summary>
    /// <param name="now">The time in milliseconds (<see cref="Environment.TickCount64"/>).</param>
    public List<(long Sequence, byte[] Records)> TakeAll(long now)
    {
        Cut();
        List<(long, byte[])> batches = new(_full.Count);
        if (_full.Count > 0 && _unacknowledged.Count == 0)
        {
            _resendAt = now + _resendInterval;
        }

        while (_full.TryDequeue(out byte[]? records))
        {
            (long, byte[]) batch = (++_sequence, records);
            batches.Add(batch);
            _unacknowledged.Enqueue(batch);
        }

        return batches;
    }

    /// <summary>The receiver has handled every batch up to <paramref name="sequence"/>: they are not kept any longer. Under the owner's lock.</summary>
    public void Acknowledge(long sequence, long now)
    {
        bool progress = false;
        while (_unacknowledged.TryPeek(out (long Sequence, byte[] Records) oldest) && oldest.Sequence <= sequence)
        {
            _unacknowledged.Dequeue();
            progress = true;
        }

        if (progress)
        {
            _resendInterval = FirstResendMilliseconds;
            _resendAt = now + _resendInterval;
        }
    }

    /// <summary>
    /// Takes the batches to send again: every unacknowledged one, if the wait for an acknowledgement is over (none
    /// otherwise). Under the owner's lock.
    /// </summary>
    public List<(long Sequence, byte[] Records)> TakeOverdue(long now)
    {
        if (_unacknowledged.Count == 0 || now < _resendAt)
        {
            return [];
        }

        _resendInterval = Math.Min(_resendInterval * 2, MaxResendMilliseconds);
        _resendAt = now + _resendInterval;
        return [.. _unacknowledged];
    }

    /// <summary>Forgets everything: the receiver is gone. Under the owner's lock.</summary>
    public void Abandon()
    {
        _full.Clear();
        _unacknowledged.Clear();
        _current.Clear();
    }

    private void Cut()
    {
        if (_current.Length > 0)
        {
            _full.Enqueue(_current.WrittenSpan.ToArray());
            _current.Clear();
        }
    }
}
