using ParallelGen.Platform;

namespace ParallelGen.Transport;

/// <summary>
/// The receiving side of large frames (see <see cref="SharedFrameSender"/>): maps the segment an
/// <see cref="SharedFrameSender.FrameKind"/> frame names and hands out the frame in it without copying.
/// </summary>
/// <remarks>
/// Keeps the sender's segments (at most <see cref="SharedFrameSender.MaxSegments"/>) mapped between frames, so a frame
/// in a segment seen before costs no <c>mmap</c> and no page faults. Not thread-safe: used by the one thread that
/// reads the pipe.
/// </remarks>
internal sealed unsafe class SharedFrameReceiver(int maxFrameLength) : IDisposable
{
    private const int MaxNameLength = 64;

    private readonly Mapping?[] _mappings = new Mapping?[SharedFrameSender.MaxSegments];
    private Mapping? _held;
    private long _uses;

    /// <summary>Resolves an <see cref="SharedFrameSender.FrameKind"/> frame to the frame it names, valid until <see cref="Release"/>.</summary>
    /// <exception cref="InvalidDataException">The frame is corrupt or names a segment that does not fit it.</exception>
    public byte Resolve(ReadOnlySpan<byte> body, out ReadOnlyMemory<byte> frameBody)
    {
        Release();
        long size = SpanReader.ReadInt64(ref body);
        int length = SpanReader.ReadInt32(ref body);
        string name = SpanReader.ReadString(ref body);
        if (length < SharedFrameSender.Threshold || length > maxFrameLength
            || size < SharedFrameSender.HeaderSize + (long)length || size - SharedFrameSender.HeaderSize > int.MaxValue
            || !SharedSegment.IsWellFormedName(name, MaxNameLength))
        {
            throw new InvalidDataException($"Invalid shared-memory frame: {length} bytes in '{name}' of {size} bytes (limit {maxFrameLength}).");
        }

        Mapping mapping = Find(name, size) ?? Map(name, size);
        mapping.LastUse = ++_uses;
        _held = mapping;
        ReadOnlyMemory<byte> frame = mapping.Memory.Memory[..length];
        frameBody = frame[1..];
        return frame.Span[0];
    }

    /// <summary>Gets whether the last frame resolved came in shared memory and has not been released yet.</summary>
    public bool HoldsFrame => _held is not null;

    /// <summary>Tells the sender the last frame has been read, so it may reuse the segment. Call as soon as the frame is consumed.</summary>
    public void Release()
    {
        if (_held is { } held)
        {
            _held = null;
            Volatile.Write(ref *(int*)held.Segment.Pointer, 0);
        }
    }

    /// <summary>Unmaps the segments and removes their names: the parent does this when a worker exits, however it exited.</summary>
    public void Dispose()
    {
        _held = null;
        for (int i = 0; i < _mappings.Length; i++)
        {
            _mappings[i]?.Segment.DisposeAndRemove();
            _mappings[i] = null;
        }
    }

    private Mapping? Find(string name, long size)
    {
        foreach (Mapping? mapping in _mappings)
        {
            if (mapping is not null && mapping.Segment.Name == name && mapping.Segment.Size == size)
            {
                return mapping;
            }
        }

        return null;
    }

    private Mapping Map(string name, long size)
    {
        // A new segment: the sender made it, or replaced one of those mapped here (and removed the old name once this
        // side had released it). Unmap the one whose name is gone, or else the one used longest ago.
        int slot = Array.FindIndex(_mappings, m => m is null || !SharedSegment.Exists(m.Segment.Name));
        if (slot < 0)
        {
            slot = 0;
            for (int i = 1; i < _mappings.Length; i++)
            {
                slot = _mappings[i]!.LastUse < _mappings[slot]!.LastUse ? i : slot;
            }
        }

        _mappings[slot]?.Segment.Detach();
        _mappings[slot] = null;
        SharedSegment segment;
        try
        {
            segment = SharedSegment.Open(name, size);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidDataException(e.Message, e);
        }

        return _mappings[slot] = new Mapping(segment, new NativeMemoryManager(segment.Pointer + SharedFrameSender.HeaderSize, (int)(size - SharedFrameSender.HeaderSize)));
    }

    private sealed class Mapping(SharedSegment segment, NativeMemoryManager memory)
    {
        public SharedSegment Segment { get; } = segment;

        public NativeMemoryManager Memory { get; } = memory;

        public long LastUse { get; set; }
    }
}
