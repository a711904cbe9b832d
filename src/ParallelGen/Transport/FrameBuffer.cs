using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using ParallelGen.Platform;

namespace ParallelGen.Transport;

/// <summary>A growable byte buffer rented from <see cref="ArrayPool{T}"/>, written as a sequence of frames.</summary>
/// <remarks>
/// <para>A frame is <c>[int32 length][byte kind][body]</c>, little-endian, where <c>length</c> counts the kind byte and
/// the body. <see cref="BeginFrame"/> reserves the prefix and <see cref="EndFrame"/> patches it, so payloads are
/// serialized straight into the buffer that is later written to the pipe, with no intermediate copy.</para>
/// <para>A frame that may be large can go further (<see cref="SpillLargeFrame"/>): once it outgrows
/// <see cref="SharedFrameSender.Threshold"/>, what it holds moves into one of a <see cref="SharedFrameSender"/>'s
/// shared-memory segments and the rest is serialized there, so the payload is written once, straight where the
/// receiver reads it; <see cref="SharedFrameSender.TryDivert"/> then publishes it. While a frame spills,
/// <see cref="Length"/> counts its bytes in the segment, and only that frame may be written.</para>
/// </remarks>
internal sealed unsafe class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    public const int HeaderSize = 5;

    /// <summary>The longest frame a reader accepts unless told otherwise: 256 MiB (<c>ProcessPoolOptions.MaxMessageSize</c>'s default).</summary>
    public const int DefaultMaxFrameLength = 256 * 1024 * 1024;

    private byte[] _buffer;
    private int _length;
    private int _limit = int.MaxValue;

    // A frame that may move into shared memory: its sender and start, and once it has moved, the segment that holds
    // its kind byte and body (from SharedFrameSender.HeaderSize on) and their length. The buffer keeps the frame's
    // length prefix slot: _length is then _spillStart + 4.
    private SharedFrameSender? _spillTo;
    private int _spillStart = -1;
    private SharedSegment? _spill;
    private int _spilled;

    public FrameBuffer(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Gets the number of bytes written, counting those of a frame that moved into shared memory.</summary>
    public int Length => _spill is null ? _length : _length + _spilled;

    /// <summary>Gets whether the frame being written has moved into shared memory.</summary>
    public bool IsSpilled => _spill is not null;

    /// <summary>
    /// Gets or sets the length the buffer may not grow beyond: a frame being serialized past its size limit fails as
    /// soon as the buffer would have to grow past it (<see cref="FrameTooLargeException"/>), not after the whole value
    /// was written. <see cref="int.MaxValue"/> (the default) for none.
    /// </summary>
    public int Limit
    {
        get => _limit;
        set => _limit = value;
    }

    /// <summary>Gets the bytes written so far (not while a frame is in shared memory).</summary>
    public ReadOnlySpan<byte> WrittenSpan
    {
        get
        {
            Debug.Assert(_spill is null, "A frame in shared memory has not been published.");
            return _buffer.AsSpan(0, _length);
        }
    }

    /// <summary>Gets the bytes written so far (not while a frame is in shared memory).</summary>
    public ReadOnlyMemory<byte> WrittenMemory
    {
        get
        {
            Debug.Assert(_spill is null, "A frame in shared memory has not been published.");
            return _buffer.AsMemory(0, _length);
        }
    }

    /// <summary>Starts a frame of the given kind and returns its start offset, for <see cref="EndFrame"/>.</summary>
    public int BeginFrame(byte kind)
    {
        int start = _length;
        Span<byte> header = GetSpan(HeaderSize);
        header[4] = kind;
        Advance(HeaderSize);
        return start;
    }

    /// <summary>Completes the frame started at <paramref name="start"/> by writing its length prefix.</summary>
    public void EndFrame(int start) =>
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(start), Length - start - 4);

    /// <summary>
    /// Lets the frame started at <paramref name="start"/>, the last one, move into one of <paramref name="sender"/>'s
    /// segments as soon as it outgrows <see cref="SharedFrameSender.Threshold"/> (if one is free). Call
    /// <see cref="SharedFrameSender.TryDivert"/> once it ends, or <see cref="Truncate"/> to drop it.
    /// </summary>
    public void SpillLargeFrame(int start, SharedFrameSender sender)
    {
        Debug.Assert(_spill is null && start <= _length, "One frame spills at a time.");
        _spillTo = sender;
        _spillStart = start;
    }

    /// <summary>
    /// Takes the frame started at <paramref name="start"/> out of the buffer if it moved into shared memory, leaving
    /// the buffer as it was before the frame began; a frame that ended up smaller than the threshold comes back into
    /// the buffer instead. Either way the frame no longer spills.
    /// </summary>
    /// <returns>Whether the frame is in <paramref name="segment"/>, <paramref name="length"/> bytes from <see cref="SharedFrameSender.HeaderSize"/>.</returns>
    internal bool TakeSpilled(int start, out SharedSegment segment, out int length)
    {
        SharedSegment? spill = _spill;
        length = _spilled;
        bool taken = spill is not null && start == _spillStart && length >= SharedFrameSender.Threshold;
        if (spill is not null && !taken)
        {
            Unspill();
        }

        StopSpilling();
        if (taken)
        {
            _length = start;
        }

        segment = spill!;
        return taken;
    }

    /// <summary>Gets the length prefix of the frame that starts at <paramref name="start"/>.</summary>
    public int LengthPrefixAt(int start) => BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(start, 4));

    /// <summary>Drops everything written after <paramref name="start"/> (a frame that failed to serialize).</summary>
    public void Truncate(int start)
    {
        if (_spillStart >= 0 && start <= _spillStart)
        {
            // The frame that could spill is gone; its segment, never published, stays free for the next one.
            StopSpilling();
        }

        if (_spill is not null)
        {
            _spilled = start - _length;
            return;
        }

        _length = start;
    }

    /// <summary>Gets the written bytes from <paramref name="offset"/>, to patch a header written earlier.</summary>
    public Span<byte> GetSpanAt(int offset)
    {
        Debug.Assert(_spill is null, "Not while a frame is in shared memory.");
        return _buffer.AsSpan(offset, _length - offset);
    }

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        Advance(1);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        Advance(8);
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(GetSpan(8), value);
        Advance(8);
    }

    /// <summary>Writes a length-prefixed UTF-8 string.</summary>
    public void WriteString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> span = GetSpan(4 + max);
        int n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, n);
        Advance(4 + n);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Advance(bytes.Length);
    }

    /// <summary>Forgets the content but keeps the rented array, unless it grew very large.</summary>
    public void Clear()
    {
        Truncate(0);
        _length = 0;
        if (_buffer.Length > 4 * 1024 * 1024)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(4096);
        }
    }

    public void Advance(int count)
    {
        if (_spill is null)
        {
            _length += count;
        }
        else
        {
            _spilled += count;
        }
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        if (_spill is { } spill)
        {
            return new NativeMemoryManager(SpillEnd(spill), SpillRoom(spill)).Memory;
        }

        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        if (_spill is { } spill)
        {
            return new Span<byte>(SpillEnd(spill), SpillRoom(spill));
        }

        return _buffer.AsSpan(_length);
    }

    public void Dispose()
    {
        Truncate(0);
        byte[] buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        if (_spill is { } spill)
        {
            EnsureSpilled(spill, sizeHint);
            return;
        }

        int needed = _length + Math.Max(sizeHint, 1);
        if (_spillTo is { } sender && needed - (_spillStart + 4) >= SharedFrameSender.Threshold && needed <= _limit && TrySpill(sender, needed))
        {
            EnsureSpilled(_spill!, sizeHint);
            return;
        }

        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > _limit || needed < 0)
        {
            throw new FrameTooLargeException();
        }

        Grow(needed);
    }

    /// <summary>Moves the content into a rented array of at least <paramref name="needed"/> bytes, at least twice the current one.</summary>
    private void Grow(int needed)
    {
        long grown = Math.Max((long)_buffer.Length * 2, needed);
        byte[] next = ArrayPool<byte>.Shared.Rent((int)Math.Min(grown, Array.MaxLength));
        _buffer.AsSpan(0, _length).CopyTo(next);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }

    private void StopSpilling()
    {
        _spill = null;
        _spillTo = null;
        _spillStart = -1;
        _spilled = 0;
    }

    /// <summary>Moves the frame that may spill, about to be large, into a free segment: from here on it is written where the receiver reads it.</summary>
    private bool TrySpill(SharedFrameSender sender, int needed)
    {
        int held = _length - (_spillStart + 4);
        if (sender.AcquireForSpill(needed - (_spillStart + 4)) is not { } segment)
        {
            _spillTo = null; // No segment free: the frame stays here, and may still take the pipe.
            return false;
        }

        _buffer.AsSpan(_spillStart + 4, held).CopyTo(new Span<byte>(segment.Pointer + SharedFrameSender.HeaderSize, held));
        _spill = segment;
        _spilled = held;
        _length = _spillStart + 4;
        return true;
    }

    private void EnsureSpilled(SharedSegment spill, int sizeHint)
    {
        long needed = (long)_length + _spilled + Math.Max(sizeHint, 1);
        if (needed > _limit || needed > int.MaxValue)
        {
            throw new FrameTooLargeException();
        }

        long neededInSegment = SharedFrameSender.HeaderSize + (long)_spilled + Math.Max(sizeHint, 1);
        if (neededInSegment <= spill.Size)
        {
            return;
        }

        if (_spillTo!.GrowSpill(spill, _spilled, neededInSegment) is { } grown)
        {
            _spill = grown;
            return;
        }

        // No larger segment can be made: the frame comes back here, and takes the pipe.
        Unspill();
        _spillTo = null;
        Ensure(sizeHint);
    }

    /// <summary>Copies a spilled frame back into the buffer after its length prefix slot, and stops spilling it.</summary>
    private void Unspill()
    {
        SharedSegment spill = _spill!;
        int held = _spilled;
        _spill = null;
        _spilled = 0;
        if (_length + held > _buffer.Length)
        {
            Grow(_length + held);
        }

        new ReadOnlySpan<byte>(spill.Pointer + SharedFrameSender.HeaderSize, held).CopyTo(_buffer.AsSpan(_length));
        _length += held;
    }

    private byte* SpillEnd(SharedSegment spill) => spill.Pointer + SharedFrameSender.HeaderSize + _spilled;

    private int SpillRoom(SharedSegment spill) => (int)Math.Min(spill.Size - SharedFrameSender.HeaderSize - _spilled, int.MaxValue);
}
