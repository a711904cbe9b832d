using System.Buffers.Binary;
using System.Buffers;
using ParallelGen.Platform;

namespace ParallelGen.Transport;

/// <summary>Reads length-prefixed frames from a pipe, many per <c>read</c> call when they are small.</summary>
/// <remarks>
/// Not thread-safe: each pipe has exactly one reading thread. With a <see cref="SharedFrameReceiver"/>, large frames
/// that the sender put in shared memory come out like any other frame.
/// </remarks>
internal sealed class FrameReader : IDisposable
{
    private const int DefaultCapacity = 64 * 1024;

    private readonly Pipe _pipe;
    private readonly int _maxFrameLength;
    private readonly SharedFrameReceiver? _shared;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public FrameReader(Pipe pipe, int maxFrameLength, SharedFrameReceiver? shared = null)
    {
        _pipe = pipe;
        _maxFrameLength = maxFrameLength;
        _shared = shared;
        _buffer = ArrayPool<byte>.Shared.Rent(DefaultCapacity);
    }

    /// <summary>Gets whether a whole frame is already buffered, so the next <see cref="TryReadFrame"/> will not block.</summary>
    public bool HasBufferedFrame
    {
        get
        {
            int available = _end - _start;
            return available >= 4 && available >= 4 + BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start));
        }
    }

    /// <summary>Reads the next frame, blocking until it has fully arrived.</summary>
    /// <param name="kind">The frame kind.</param>
    /// <param name="body">The frame body; valid until the next call or <see cref="ReleaseFrame"/>.</param>
    /// <returns><see langword="false"/> at a clean end of file (between frames).</returns>
    /// <exception cref="InvalidDataException">The stream ends inside a frame or a length is out of range.</exception>
    public bool TryReadFrame(out byte kind, out ReadOnlyMemory<byte> body)
    {
        ReleaseFrame();
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer.Length > 4 * DefaultCapacity)
            {
                // A large frame grew the buffer; give the memory back once it has been consumed.
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(DefaultCapacity);
            }
        }

        if (!Fill(4))
        {
            kind = default;
            body = default;
            return false;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start));
        if (length < 1 || length > _maxFrameLength)
        {
            throw new InvalidDataException(
                $"Frame length {length} is outside 1..{_maxFrameLength} bytes (ProcessPoolOptions.MaxMessageSize); the stream is corrupt.");
        }

        if (!Fill(4 + length))
        {
            throw new InvalidDataException($"The stream ended inside a frame of {length} bytes.");
        }

        kind = _buffer[_start + 4];
        body = _buffer.AsMemory(_start + 5, length - 1);
        _start += 4 + length;
        if (kind == SharedFrameSender.FrameKind)
        {
            kind = (_shared ?? throw new InvalidDataException("A frame in shared memory arrived on a pipe that does not take them."))
                .Resolve(body.Span, out body);
        }

        return true;
    }

    /// <summary>
    /// Says the last frame has been consumed. A frame that came in shared memory holds the sender's segment until then,
    /// so call this as soon as the body is no longer needed, not only at the next read, which may be much later.
    /// </summary>
    public void ReleaseFrame() => _shared?.Release();

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Makes sure <paramref name="count"/> bytes are buffered from <c>_start</c>.</summary>
    /// <returns><see langword="false"/> if the pipe ended before any byte of the request arrived.</returns>
    private bool Fill(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (count > _buffer.Length - _start)
        {
            MakeRoom(count);
        }

        while (_end - _start < count)
        {
            int n = _pipe.Read(_buffer.AsSpan(_end));
            if (n == 0)
            {
                if (_end == _start)
                {
                    return false;
                }

                throw new InvalidDataException($"The stream ended inside a frame ({_end - _start} of {count} bytes received).");
            }

            _end += n;
        }

        return true;
    }

    private void MakeRoom(int count)
    {
        int available = _end - _start;
        byte[] target = _buffer;
        if (count > _buffer.Length)
        {
            target = ArrayPool<byte>.Shared.Rent(Math.Max(count, DefaultCapacity));
        }

        _buffer.AsSpan(_start, available).CopyTo(target);
        if (!ReferenceEquals(target, _buffer))
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = target;
        }

        _start = 0;
        _end = available;
    }
}
