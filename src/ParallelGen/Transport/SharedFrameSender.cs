using System.Numerics;
using ParallelGen.Platform;

namespace ParallelGen.Transport;

/// <summary>
/// The sending side of large frames: a frame of at least <see cref="Threshold"/> bytes goes into a shared-memory
/// segment that the receiver maps (serialized straight into it, see <see cref="FrameBuffer.SpillLargeFrame"/>, or
/// copied there once written), and the pipe carries only a small <see cref="SharedFrameSender.FrameKind"/> frame
/// naming it. That saves the two kernel copies of a pipe and the sleep and wake-up of both sides at every pipe
/// buffer's worth (1 MiB), which dominate a large transfer.
/// </summary>
/// <remarks>
/// <para>Up to two segments per direction, reused: the first 4 bytes of each say whether the receiver still holds the
/// frame in it (set here, cleared by <see cref="SharedFrameReceiver.Release"/>). Two, because the pool keeps a long call
/// queued in the worker behind the running one: the queued call's arguments sit in one segment while the next call's
/// go into the other. While both are held, or if no segment can be created, the frame simply goes through the pipe,
/// so sending never waits for the receiver.</para>
/// <para>A segment grows to the largest frame (a power of two) and shrinks again after a run of much smaller frames.
/// It is named after this process, mode 0600; on Windows the receiver that removes it (the parent, for a worker's
/// segments) also holds it open, so a frame sent just before the worker exits can still be read. A replaced segment is
/// removed by its sender once the receiver has released it; the last ones are removed by the parent when the worker exits (see <see cref="SharedFrameReceiver"/>),
/// never by a worker that is shutting down, since its last frames may still be unread.</para>
/// <para>Not thread-safe: the caller serializes calls (the parent under the worker's send lock, the worker on its main
/// thread).</para>
/// </remarks>
/// <param name="receiverPid">The process that removes the segments once this one has gone (0: this one removes them), see <see cref="SharedSegment.Create"/>.</param>
internal sealed unsafe class SharedFrameSender(int receiverPid = 0) : IDisposable
{
    /// <summary>Frames smaller than this go through the pipe: for them a copy costs less than the bookkeeping.</summary>
    public const int Threshold = 256 * 1024;

    /// <summary>Where the frame starts in the segment; before it, the busy flag.</summary>
    public const int HeaderSize = 64;

    /// <summary>
    /// The kind byte of the frame that stands for a frame in shared memory: <c>[long segmentSize][int frameLength]
    /// [string segmentName]</c>. The transport resolves it, so readers above it never see it.
    /// </summary>
    public const byte FrameKind = 0x20;

    /// <summary>How many segments a sender keeps at most.</summary>
    public const int MaxSegments = 2;

    private const long ShrinkAbove = 16 * 1024 * 1024;
    private const int ShrinkAfter = 8;

    private readonly SharedSegment?[] _segments = new SharedSegment?[MaxSegments];
    private readonly int[] _smallRuns = new int[MaxSegments];

    /// <summary>Gets how many frames went through shared memory.</summary>
    public int Diverted { get; private set; }

    /// <summary>Gets how many large frames took the pipe because every segment was still held (or none could be made).</summary>
    public int Declined { get; private set; }

    /// <summary>Gets how many of the <see cref="Diverted"/> frames were serialized straight into their segment, with no copy.</summary>
    public int Spilled { get; private set; }

    /// <summary>
    /// Moves the frame that starts at <paramref name="frameStart"/> and ends the buffer into shared memory, if it is
    /// large and the segment is free, and replaces it with the frame that names the segment.
    /// </summary>
    /// <returns>Whether the frame was moved.</returns>
    /// <remarks>
    /// A frame that already moved into a segment while it was serialized (<see cref="FrameBuffer.SpillLargeFrame"/>)
    /// is only published here; any other large frame is copied into a free segment.
    /// </remarks>
    public bool TryDivert(FrameBuffer buffer, int frameStart)
    {
        SharedSegment segment;
        int frameLength;
        if (buffer.TakeSpilled(frameStart, out segment, out frameLength))
        {
            Spilled++;
        }
        else
        {
            frameLength = buffer.Length - frameStart - 4;
            if (frameLength < Threshold || frameLength != buffer.LengthPrefixAt(frameStart))
            {
                return false;
            }

            if (Acquire(frameLength) is not { } free)
            {
                Declined++;
                return false;
            }

            segment = free;
            buffer.WrittenSpan.Slice(frameStart + 4, frameLength).CopyTo(new Span<byte>(segment.Pointer + HeaderSize, frameLength));
            buffer.Truncate(frameStart);
        }

        Diverted++;
        Volatile.Write(ref *(int*)segment.Pointer, 1);
        int start = buffer.BeginFrame(FrameKind);
        buffer.WriteInt64(segment.Size);
        buffer.WriteInt32(frameLength);
        buffer.WriteString(segment.Name);
        buffer.EndFrame(start);
        return true;
    }

    /// <summary>Removes the segments. Only once the receiver can no longer need them.</summary>
    public void Dispose()
    {
        for (int i = 0; i < _segments.Length; i++)
        {
            _segments[i]?.Dispose();
            _segments[i] = null;
        }
    }

    /// <summary>
    /// Finds a free segment for a frame being serialized that will be at least <paramref name="frameLength"/> bytes
    /// long (see <see cref="FrameBuffer.SpillLargeFrame"/>); it stays free until <see cref="TryDivert"/> publishes it.
    /// </summary>
    /// <returns>The segment, or <see langword="null"/> if both are held or none can be made: the frame then takes the pipe.</returns>
    internal SharedSegment? AcquireForSpill(long frameLength) =>
        frameLength > int.MaxValue - HeaderSize ? null : Acquire((int)frameLength);

    /// <summary>
    /// Replaces <paramref name="current"/>, which holds the first <paramref name="used"/> bytes of a frame being
    /// serialized, by a segment of at least <paramref name="needed"/> bytes holding the same bytes.
    /// </summary>
    /// <returns>The new segment, or <see langword="null"/> if none can be made (<paramref name="current"/> is then kept).</returns>
    internal SharedSegment? GrowSpill(SharedSegment current, int used, long needed)
    {
        int index = Array.IndexOf(_segments, current);
        if (index < 0 || Create(needed) is not { } grown)
        {
            return null;
        }

        new ReadOnlySpan<byte>(current.Pointer + HeaderSize, used).CopyTo(new Span<byte>(grown.Pointer + HeaderSize, used));
        current.Dispose();
        _segments[index] = grown;
        _smallRuns[index] = 0;
        return grown;
    }

    private SharedSegment? Acquire(int frameLength)
    {
        long needed = HeaderSize + (long)frameLength;
        int replace = -1;
        for (int i = 0; i < _segments.Length; i++)
        {
            if (_segments[i] is not { } segment)
            {
                replace = replace < 0 ? i : replace;
                continue;
            }

            if (Volatile.Read(ref *(int*)segment.Pointer) != 0)
            {
                continue; // The receiver still holds the frame in this one.
            }

            bool fits = segment.Size >= needed;
            _smallRuns[i] = fits && segment.Size > ShrinkAbove && needed * 4 <= segment.Size ? _smallRuns[i] + 1 : 0;
            if (fits && _smallRuns[i] < ShrinkAfter)
            {
                return segment;
            }

            replace = i; // Free but too small or much too large: replacing it beats adding a second one.
        }

        if (replace < 0)
        {
            return null; // Every segment is held: this frame takes the pipe.
        }

        _segments[replace]?.Dispose();
        _segments[replace] = null;
        _smallRuns[replace] = 0;
        return _segments[replace] = Create(needed);
    }

    /// <summary>Creates a segment of <paramref name="needed"/> bytes or more (a power of two), or <see langword="null"/> if none can be made.</summary>
    private SharedSegment? Create(long needed)
    {
        long size = (long)BitOperations.RoundUpToPowerOf2((ulong)needed);
        if (size - HeaderSize > int.MaxValue)
        {
            return null;
        }

        try
        {
            return SharedSegment.Create(size, keptBy: receiverPid);
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            return null; // /dev/shm is full or missing, or this system has no segments yet: the pipe still works.
        }
    }
}
