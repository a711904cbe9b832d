using System.Buffers.Binary;
using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.Tests;

/// <summary>
/// Corrupt bytes on the pipes in both directions. Each case ends as a typed error for the affected call or a worker
/// replacement, never a hang, an unbounded allocation or a dead pool.
/// </summary>
public sealed class WireFaultTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("an oversized length prefix", new byte[] { 0xFF, 0xFF, 0xFF, 0x7F, 0x02 })]
    [InlineData("a negative length prefix", new byte[] { 0x00, 0x00, 0x00, 0x80, 0x02 })]
    [InlineData("an unknown frame kind", new byte[] { 0x01, 0x00, 0x00, 0x00, 0x7E })]
    [InlineData("a Run frame too short for its header", new byte[] { 0x03, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02 })]
    public Task A_corrupt_frame_to_a_worker_gets_it_replaced_and_the_pool_serves_on(string what, byte[] bytes) => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        int before = test.Pool.WorkerPids.Single();
        Stopwatch watch = Stopwatch.StartNew();

        test.Pool.WriteRawForTesting(0, bytes);
        while (test.Pool.WorkerPids.SequenceEqual([before]) && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(5);
        }

        output.WriteLine($"{what}: worker {before} replaced after {watch.ElapsedMilliseconds} ms");
        Assert.False(Processes.IsAlive(before));
        test.Remember();
        Assert.Equal(81, test.Pool.Apply(TestTasks.Square, 9));
    });

    [Theory]
    [InlineData("an oversized length prefix", 0x7FFF_FFF0, 0)]
    [InlineData("a truncated frame", 100, 10)]
    [InlineData("an answer to a call that was never sent", 25, 25)]
    public Task Corrupt_bytes_from_a_worker_fail_its_call_with_WorkerCrashedException(string what, int length, int bodyBytes) => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        byte[] bytes = new byte[4 + bodyBytes];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, length);
        if (bodyBytes > 0)
        {
            bytes[4] = 0x82; // Done, for a call id of zero
        }

        WorkerCrashedException crash = Assert.Throws<WorkerCrashedException>(() => test.Pool.Apply(TestTasks.CorruptResultPipe, bytes));

        output.WriteLine($"{what}: {crash.Message}");
        Assert.Contains("protocol error", crash.Message);
        test.Remember();
        Assert.Equal(4, test.Pool.Apply(TestTasks.Square, 2));
    });

    [Fact]
    public Task A_Done_frame_claiming_billions_of_errors_is_refused_before_anything_is_allocated() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);

        // [length 22][Done][callId 0][elapsed 0][status 0][errorCount int.MaxValue]
        byte[] bytes = new byte[4 + 22];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, 22);
        bytes[4] = 0x82;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 + 18), int.MaxValue);

        WorkerCrashedException crash = Assert.Throws<WorkerCrashedException>(() => test.Pool.Apply(TestTasks.CorruptResultPipe, bytes));

        output.WriteLine(crash.Message);
        Assert.Contains("protocol error", crash.Message);
        test.Remember();
        Assert.Equal(4, test.Pool.Apply(TestTasks.Square, 2));
    });
}
