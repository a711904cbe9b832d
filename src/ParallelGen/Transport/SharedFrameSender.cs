using System.Numerics;
using ParallelGen.Ipc;

namespace ParallelGen.Transport;

/// <summary>
/// The sending side of large frames: a frame of at least <see cref="Threshold"/> bytes is copied into a shared-memory
/// segment that the receiver maps, and the pipe carries only a small <see cref="FrameKind.InSharedMemory"/> frame
/// naming it. That saves the two kernel copies of a pipe and the sleep and wake-up of both sides at every pipe
/// buffer's worth (1 MiB), which dominate a large transfer.
/// </summary>
/// <remarks>
/// <para>One segment per direction, reused: its first 4 bytes say whether the receiver still holds the last frame
/// (set here, cleared by <see cref="SharedFrameReceiver.Release"/>). While it does, or if no segment can be created,
/// the frame simply goes through the pipe, so sending never waits for the receiver.</para>
/// <para>The segment grows to the largest frame (a power of two) and shrinks again after a run of much smaller
/// frames. It is named after this process, mode 0600. A replaced segment is removed by its sender once the receiver
/// has released it; the last one is removed by the parent when the worker exits (see <see cref="SharedFrameReceiver"/>),
/// never by a worker that is shutting down, since its last frames may still be unread.</para>
/// <para>Not thread-safe: the caller serializes calls (the parent under the worker's send lock, the worker on its main
/// thread).</para>
/// </remarks>
internal sealed unsafe class SharedFrameSender : IDisposable
{
    /// <summary>Frames smaller than this go through the pipe: for them a copy costs less than the bookkeeping.</summary>
    public const int Threshold = 256 * 1024;

    /// <summary>Where the frame starts in the segment; before it, the busy flag.</summary>
    public const int HeaderSize = 64;

    private const long ShrinkAbove = 16 * 1024 * 1024;
    private const int ShrinkAfter = 8;

    private SharedMemory? _segment;
    private int _smallRun;

    /// <summary>
    /// Moves the frame that starts at <paramref name="frameStart"/> and ends the buffer into shared memory, if it is
    /// large and the segment is free, and replaces it with the frame that names the segment.
    /// </summary>
    /// <returns>Whether the frame was moved.</returns>
    public bool TryDivert(FrameBuffer buffer, int frameStart)
    {
        int frameLength = buffer.Length - frameStart - 4;
        if (frameLength < Threshold || frameLength != buffer.LengthPrefixAt(frameStart))
        {
            return false;
        }

        if (Acquire(frameLength) is not { } segment)
        {
            return false;
        }

        buffer.WrittenSpan.Slice(frameStart + 4, frameLength).CopyTo(new Span<byte>(segment.Pointer + HeaderSize, frameLength));
        Volatile.Write(ref *(int*)segment.Pointer, 1);
        buffer.Truncate(frameStart);
        int start = buffer.BeginFrame(FrameKind.InSharedMemory);
        buffer.WriteInt64(segment.Size);
        buffer.WriteInt32(frameLength);
        buffer.WriteString(segment.Name);
        buffer.EndFrame(start);
        return true;
    }

    /// <summary>Removes the segment. Only once the receiver can no longer need it.</summary>
    public void Dispose()
    {
        _segment?.Dispose();
        _segment = null;
    }

    private SharedMemory? Acquire(int frameLength)
    {
        long needed = HeaderSize + (long)frameLength;
        if (_segment is { } current)
        {
            if (Volatile.Read(ref *(int*)current.Pointer) != 0)
            {
                return null; // The receiver still reads the last frame: this one takes the pipe.
            }

            bool fits = current.Size >= needed;
            _smallRun = fits && current.Size > ShrinkAbove && needed * 4 <= current.Size ? _smallRun + 1 : 0;
            if (fits && _smallRun < ShrinkAfter)
            {
                return current;
            }

            current.Dispose();
            _segment = null;
            _smallRun = 0;
        }

        long size = (long)BitOperations.RoundUpToPowerOf2((ulong)needed);
        if (size - HeaderSize > int.MaxValue)
        {
            return null;
        }

        try
        {
            return _segment = SharedMemory.Create(size);
        }
        catch (IOException)
        {
            return null; // /dev/shm is full or missing: the pipe still works.
        }
    }
}
