using System.Buffers.Binary;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Tests;

/// <summary>
/// A frame that may be large is serialized straight into a shared-memory segment once it outgrows the threshold
/// (<see cref="FrameBuffer.SpillLargeFrame"/>), with no copy out of the frame buffer; in this process, through the
/// receiver a worker or the parent uses. Every way such a frame can end: published, grown, back to the pipe, dropped,
/// refused.
/// </summary>
public sealed class SpilledFrameTests
{
    private const byte Kind = 0x42;

    [Fact]
    public void A_large_frame_is_serialized_into_shared_memory_and_reads_back_intact()
    {
        using Transfer transfer = new();
        byte[] data = RandomBytes(1 << 20, seed: 1);

        int start = transfer.WriteFrame(data);

        Assert.True(transfer.Buffer.IsSpilled);
        Assert.True(transfer.Sender.TryDivert(transfer.Buffer, start));
        Assert.Equal((1, 1), (transfer.Sender.Diverted, transfer.Sender.Spilled));
        Assert.True(transfer.Buffer.Length < 200, $"{transfer.Buffer.Length} bytes left in the buffer");
        Assert.Equal(Expected(data), transfer.Read(start));
    }

    [Fact]
    public void A_frame_written_piece_by_piece_moves_to_a_larger_segment_with_every_byte()
    {
        // Many small writes: the frame spills into a segment sized for the threshold, then outgrows it several times.
        using Transfer transfer = new();
        string[] lines = [.. Enumerable.Range(0, 40_000).Select(i => $"line {i}: " + new string((char)('a' + (i % 26)), 90))];

        int start = transfer.WriteFrame(lines);

        Assert.True(transfer.Sender.TryDivert(transfer.Buffer, start));
        Assert.Equal(1, transfer.Sender.Spilled);
        byte[] expected = Expected(lines);
        Assert.Equal(expected, transfer.Read(start));
        Assert.True(transfer.SegmentSizeAt(start) >= expected.Length, "the segment holds the whole frame");
        Assert.True(expected.Length > 4 * SharedFrameSender.Threshold, "the frame outgrew the first segment");
    }

    [Fact]
    public void A_frame_that_asked_for_room_past_the_threshold_but_ends_small_goes_through_the_pipe()
    {
        using Transfer transfer = new();
        int start = transfer.Buffer.BeginFrame(Kind);
        transfer.Buffer.SpillLargeFrame(start, transfer.Sender);
        Span<byte> room = transfer.Buffer.GetSpan(SharedFrameSender.Threshold + 1000);
        Assert.True(transfer.Buffer.IsSpilled);
        RandomBytes(1000, seed: 2).CopyTo(room);
        transfer.Buffer.Advance(1000);
        transfer.Buffer.EndFrame(start);

        Assert.False(transfer.Sender.TryDivert(transfer.Buffer, start));
        Assert.False(transfer.Buffer.IsSpilled);
        Assert.Equal((0, 0), (transfer.Sender.Diverted, transfer.Sender.Spilled));
        ReadOnlySpan<byte> frame = transfer.Buffer.WrittenSpan[start..];
        Assert.Equal(1001, BinaryPrimitives.ReadInt32LittleEndian(frame));
        Assert.Equal(Kind, frame[4]);
        Assert.Equal(RandomBytes(1000, seed: 2), frame[5..].ToArray());
    }

    [Fact]
    public void A_dropped_spilled_frame_leaves_the_buffer_as_it_was_and_its_segment_for_the_next_frame()
    {
        using Transfer transfer = new();
        int first = transfer.Buffer.BeginFrame(Kind);
        transfer.Buffer.WriteInt64(12345);
        transfer.Buffer.EndFrame(first);
        int before = transfer.Buffer.Length;

        int dropped = transfer.WriteFrame(RandomBytes(1 << 20, seed: 3));
        Assert.True(transfer.Buffer.IsSpilled);
        transfer.Buffer.Truncate(dropped);

        Assert.False(transfer.Buffer.IsSpilled);
        Assert.Equal(before, transfer.Buffer.Length);
        byte[] data = RandomBytes(1 << 20, seed: 4);
        int start = transfer.WriteFrame(data);
        Assert.True(transfer.Sender.TryDivert(transfer.Buffer, start));
        Assert.Equal(Expected(data), transfer.Read(start));
        Assert.Equal(12345, BinaryPrimitives.ReadInt64LittleEndian(transfer.Buffer.WrittenSpan[(first + 5)..]));
    }

    [Fact]
    public void While_both_segments_are_held_a_large_frame_stays_in_the_buffer_for_the_pipe()
    {
        using Transfer transfer = new();
        for (int i = 0; i < SharedFrameSender.MaxSegments; i++)
        {
            // Published and not released: the receiver still holds these frames.
            Assert.True(transfer.Sender.TryDivert(transfer.Buffer, transfer.WriteFrame(RandomBytes(1 << 20, seed: i))));
        }

        byte[] data = RandomBytes(1 << 20, seed: 9);
        int start = transfer.WriteFrame(data);

        Assert.False(transfer.Buffer.IsSpilled);
        Assert.False(transfer.Sender.TryDivert(transfer.Buffer, start));
        Assert.Equal(1, transfer.Sender.Declined);
        Assert.Equal(Expected(data), transfer.Buffer.WrittenSpan[(start + 4)..].ToArray());
    }

    [Fact]
    public void A_spilled_frame_fails_as_soon_as_it_outgrows_the_buffer_limit()
    {
        using Transfer transfer = new();
        int start = transfer.Buffer.BeginFrame(Kind);
        transfer.Buffer.SpillLargeFrame(start, transfer.Sender);
        transfer.Buffer.Limit = start + 4 + (1 << 20);
        string[] lines = [.. Enumerable.Range(0, 40_000).Select(i => new string('x', 100))]; // about 8 MB as UTF-16

        Assert.Throws<FrameTooLargeException>(() => Payload.Write(transfer.Buffer, lines));
        transfer.Buffer.Limit = int.MaxValue;
        transfer.Buffer.Truncate(start);

        Assert.Equal(start, transfer.Buffer.Length);
        Assert.False(transfer.Buffer.IsSpilled);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The frame's kind byte and body as the receiver should see them.</summary>
    private static byte[] Expected<T>(T value)
    {
        using FrameBuffer plain = new();
        plain.WriteByte(Kind);
        Payload.Write(plain, value);
        return plain.WrittenSpan.ToArray();
    }

    /// <summary>A buffer with a sender and a receiver of its large frames, all in this process.</summary>
    private sealed class Transfer : IDisposable
    {
        private readonly SharedFrameReceiver _receiver = new(FrameBuffer.DefaultMaxFrameLength);

        public FrameBuffer Buffer { get; } = new();

        public SharedFrameSender Sender { get; } = new();

        /// <summary>Writes a frame of <paramref name="value"/> that may spill, ends it and returns its start.</summary>
        public int WriteFrame<T>(T value)
        {
            int start = Buffer.BeginFrame(Kind);
            Buffer.SpillLargeFrame(start, Sender);
            Payload.Write(Buffer, value);
            Buffer.EndFrame(start);
            return start;
        }

        /// <summary>Resolves the shared-memory frame at <paramref name="start"/> to the kind byte and body it names.</summary>
        public byte[] Read(int start)
        {
            ReadOnlySpan<byte> frame = Buffer.WrittenSpan[start..];
            int length = BinaryPrimitives.ReadInt32LittleEndian(frame);
            Assert.Equal(SharedFrameSender.FrameKind, frame[4]);
            byte kind = _receiver.Resolve(frame.Slice(5, length - 1), out ReadOnlyMemory<byte> body);
            byte[] read = [kind, .. body.Span];
            _receiver.Release();
            return read;
        }

        /// <summary>Gets the size of the segment that the shared-memory frame at <paramref name="start"/> names.</summary>
        public long SegmentSizeAt(int start) => BinaryPrimitives.ReadInt64LittleEndian(Buffer.WrittenSpan[(start + 5)..]);

        public void Dispose()
        {
            _receiver.Dispose();
            Sender.Dispose();
            Buffer.Dispose();
        }
    }
}
