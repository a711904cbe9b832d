using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ParallelGen.Transport;

/// <summary>A growable byte buffer rented from <see cref="ArrayPool{T}"/>, written as a sequence of frames.</summary>
/// <remarks>
/// A frame is <c>[int32 length][byte kind][body]</c>, little-endian, where <c>length</c> counts the kind byte and the
/// body. <see cref="BeginFrame"/> reserves the prefix and <see cref="EndFrame"/> patches it, so payloads are
/// serialized straight into the buffer that is later written to the pipe, with no intermediate copy.
/// </remarks>
internal sealed class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    public const int HeaderSize = 5;

    /// <summary>The longest frame a reader accepts unless told otherwise: 256 MiB (<c>ProcessPoolOptions.MaxMessageSize</c>'s default).</summary>
    public const int DefaultMaxFrameLength = 256 * 1024 * 1024;

    private byte[] _buffer;
    private int _length;
    private int _limit = int.MaxValue;

    public FrameBuffer(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Gets the number of bytes written.</summary>
    public int Length => _length;

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

    /// <summary>Gets the bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Gets the bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

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
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(start), _length - start - 4);

    /// <summary>Gets the length prefix of the frame that starts at <paramref name="start"/>.</summary>
    public int LengthPrefixAt(int start) => BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(start, 4));

    /// <summary>Drops everything written after <paramref name="start"/> (a frame that failed to serialize).</summary>
    public void Truncate(int start) => _length = start;

    /// <summary>Gets the written bytes from <paramref name="offset"/>, to patch a header written earlier.</summary>
    public Span<byte> GetSpanAt(int offset) => _buffer.AsSpan(offset, _length - offset);

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
        _length = 0;
        if (_buffer.Length > 4 * 1024 * 1024)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(4096);
        }
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    public void Dispose()
    {
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
        int needed = _length + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > _limit || needed < 0)
        {
            throw new FrameTooLargeException();
        }

        long grown = Math.Max((long)_buffer.Length * 2, needed);
        byte[] next = ArrayPool<byte>.Shared.Rent((int)Math.Min(grown, Array.MaxLength));
        _buffer.AsSpan(0, _length).CopyTo(next);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }
}
