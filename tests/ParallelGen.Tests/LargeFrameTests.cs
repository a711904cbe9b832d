using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace ParallelGen.Tests;

/// <summary>
/// Frames of 256 KiB and more travel in a shared-memory segment per direction instead of the pipe: every byte arrives,
/// in both directions, however sizes vary and however many large calls are in flight, and no segment outlives its
/// worker.
/// </summary>
public sealed class LargeFrameTests(ITestOutputHelper output)
{
    [Fact]
    public Task Large_payloads_cross_in_shared_memory_both_ways_with_every_byte_intact() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        int worker = test.Pool.WorkerPids.Single();
        Random random = new(7);

        // Growing, a run of small ones (the segments shrink again), then growing again.
        int[] sizes = [300_000, 4 << 20, 32 << 20, .. Enumerable.Repeat(300_000, 9), 1 << 20, 40 << 20];
        foreach (int size in sizes)
        {
            byte[] data = new byte[size];
            random.NextBytes(data);
            Stopwatch watch = Stopwatch.StartNew();
            byte[] back = test.Pool.Apply(TestTasks.Reverse, data);
            output.WriteLine($"{size,10} bytes: {watch.Elapsed.TotalMilliseconds:F1} ms; worker's segments: {string.Join(", ", SegmentSizes(worker))}");

            Array.Reverse(back);
            Assert.True(data.AsSpan().SequenceEqual(back), $"{size} bytes came back changed");
            Assert.Equal(worker, test.Pool.WorkerPids.Single());
        }

        // The worker's results came in its own segment, big enough for the largest one.
        Assert.Contains(SegmentSizes(worker), size => size >= 40 << 20);
    });

    [Fact]
    public Task Many_large_calls_in_flight_at_once_share_the_segment_and_the_pipe() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 2);
        byte[][] inputs = [.. Enumerable.Range(0, 24).Select(i => Enumerable.Range(0, 300_000 + i * 50_000).Select(b => (byte)(b * 31 + i)).ToArray())];

        byte[][] results = await test.Pool.MapAsync(TestTasks.Reverse, inputs, chunkSize: 1);

        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(inputs[i].Reverse(), results[i]);
        }
    });

    [Fact]
    public Task A_map_of_long_calls_on_large_items_sends_every_item_in_shared_memory() => Deadline.Run(() =>
    {
        // Long calls: the pool keeps one queued behind the running one, so two frames are in the worker at once, and
        // the worker releases each as soon as its arguments are read. Both segments are free when the next one goes.
        using TestPool test = new(processes: 1);
        int worker = test.Pool.WorkerPids.Single();
        byte[][] items = [.. Enumerable.Range(0, 12).Select(i => Enumerable.Repeat((byte)i, 300_000 + i).ToArray())];

        long[] sums = test.Pool.Map(TestTasks.SumSlowly, items, chunkSize: 1);

        (int diverted, int declined) = test.Pool.LargeFramesSentForTesting(0);
        output.WriteLine($"{items.Length} items of about 300 KB: {diverted} in shared memory, {declined} through the pipe; worker's segments: {string.Join(", ", SegmentSizes(worker))}");
        Assert.Equal(items.Select(item => item.Sum(b => (long)b)), sums);
        Assert.Equal((items.Length, 0), (diverted, declined));
    });

    [Fact]
    public Task A_killed_worker_leaves_no_segment_behind() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        int worker = test.Pool.WorkerPids.Single();
        Assert.Equal(1 << 20, test.Pool.Apply(TestTasks.Reverse, new byte[1 << 20]).Length);
        Assert.NotEmpty(SegmentSizes(worker));

        Assert.Throws<WorkerCrashedException>(() => test.Pool.Apply(TestTasks.KillSelf, 0));

        test.Remember();
        Assert.Empty(SegmentSizes(worker));
        Assert.Equal(1 << 20, test.Pool.Apply(TestTasks.Reverse, new byte[1 << 20]).Length);
    });

    [Fact]
    public Task A_shared_memory_frame_naming_no_segment_gets_the_worker_replaced() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        int before = test.Pool.WorkerPids.Single();

        test.Pool.WriteRawForTesting(0, SharedMemoryFrame("/pg-1-0000000000000000", 1 << 20, 300_000));
        Stopwatch watch = Stopwatch.StartNew();
        while (test.Pool.WorkerPids.SequenceEqual([before]) && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(5);
        }

        Assert.False(Processes.IsAlive(before));
        test.Remember();
        Assert.Equal(81, test.Pool.Apply(TestTasks.Square, 9));
    });

    [Theory]
    [InlineData("no such segment", "/pg-1-0000000000000000", 1 << 20, 300_000)]
    [InlineData("a name outside ParallelGen's", "/../etc/passwd", 1 << 20, 300_000)]
    [InlineData("a frame larger than its segment", "/pg-1-0000000000000000", 300_000, 400_000)]
    public Task A_corrupt_shared_memory_frame_from_a_worker_fails_its_call_with_WorkerCrashedException(string what, string name, long size, int length) => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);

        WorkerCrashedException crash = Assert.Throws<WorkerCrashedException>(() => test.Pool.Apply(TestTasks.CorruptResultPipe, SharedMemoryFrame(name, size, length)));

        output.WriteLine($"{what}: {crash.Message}");
        Assert.Contains("protocol error", crash.Message);
        test.Remember();
        Assert.Equal(4, test.Pool.Apply(TestTasks.Square, 2));
    });

    /// <summary>An <c>InSharedMemory</c> frame: [int length][0x20][long segmentSize][int frameLength][string name].</summary>
    private static byte[] SharedMemoryFrame(string name, long size, int length)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        byte[] frame = new byte[4 + 1 + 8 + 4 + 4 + utf8.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length - 4);
        frame[4] = 0x20;
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(5), size);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(13), length);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(17), utf8.Length);
        utf8.CopyTo(frame, 21);
        return frame;
    }

    /// <summary>The sizes of the shared-memory segments named after <paramref name="pid"/>.</summary>
    private static long[] SegmentSizes(int pid) =>
        [.. Directory.EnumerateFiles("/dev/shm", $"pg-{pid}-*").Select(path => new FileInfo(path).Length)];
}
