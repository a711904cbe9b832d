using ParallelGen.Ipc;
using ParallelGen.Serialization;

namespace ParallelGen.Transport;

/// <summary>
/// The receiving side of large frames (see <see cref="SharedFrameSender"/>): maps the segment an
/// <see cref="FrameKind.InSharedMemory"/> frame names and hands out the frame in it without copying.
/// </summary>
/// <remarks>Not thread-safe: used by the one thread that reads the pipe.</remarks>
internal sealed unsafe class SharedFrameReceiver(int maxFrameLength) : IDisposable
{
    private const int MaxNameLength = 64;

    private SharedMemory? _segment;
    private NativeMemoryManager? _memory;
    private bool _holding;

    /// <summary>Resolves an <see cref="FrameKind.InSharedMemory"/> frame to the frame it names, valid until <see cref="Release"/>.</summary>
    /// <exception cref="InvalidDataException">The frame is corrupt or names a segment that does not fit it.</exception>
    public FrameKind Resolve(ReadOnlySpan<byte> body, out ReadOnlyMemory<byte> frameBody)
    {
        Release();
        long size = Payload.ReadInt64(ref body);
        int length = Payload.ReadInt32(ref body);
        string name = Payload.ReadString(ref body);
        if (length < SharedFrameSender.Threshold || length > maxFrameLength
            || size < SharedFrameSender.HeaderSize + (long)length || size - SharedFrameSender.HeaderSize > int.MaxValue
            || name.Length > MaxNameLength || !name.StartsWith("/pg-", StringComparison.Ordinal) || name.IndexOf('/', 1) >= 0)
        {
            throw new InvalidDataException($"Invalid shared-memory frame: {length} bytes in '{name}' of {size} bytes (limit {maxFrameLength}).");
        }

        if (_segment is null || _segment.Name != name || _segment.Size != size)
        {
            // The sender replaced its segment (and removed the old name once this side had released it).
            _segment?.Detach();
            _segment = null;
            try
            {
                _segment = SharedMemory.Open(name, size);
            }
            catch (FileNotFoundException e)
            {
                throw new InvalidDataException(e.Message, e);
            }

            _memory = new NativeMemoryManager(_segment.Pointer + SharedFrameSender.HeaderSize, (int)(size - SharedFrameSender.HeaderSize));
        }

        _holding = true;
        ReadOnlyMemory<byte> frame = _memory!.Memory[..length];
        frameBody = frame[1..];
        return (FrameKind)frame.Span[0];
    }

    /// <summary>Tells the sender the last frame has been read, so it may reuse the segment. Call as soon as the frame is consumed.</summary>
    public void Release()
    {
        if (_holding)
        {
            _holding = false;
            Volatile.Write(ref *(int*)_segment!.Pointer, 0);
        }
    }

    /// <summary>Unmaps the segment and removes its name: the parent does this when a worker exits, however it exited.</summary>
    public void Dispose()
    {
        _holding = false;
        _segment?.DisposeAndRemove();
        _segment = null;
    }
}
