using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>
/// Costs of the IPC primitives on this machine, printed to the test output (quoted in docs/performance.md). The bounds
/// are loose, only there to catch an order-of-magnitude regression such as a wait that sleeps instead of waking.
/// </summary>
public sealed class IpcMeasurements(ITestOutputHelper output)
{
    [Fact]
    public Task Lock_enter_and_exit() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessLock sharedLock = new();
        const int Rounds = 1_000_000;
        Stopwatch watch = Stopwatch.StartNew();
        for (int i = 0; i < Rounds; i++)
        {
            sharedLock.Enter();
            sharedLock.Exit();
        }

        double uncontended = watch.Elapsed.TotalNanoseconds / Rounds;

        const int Contended = 200_000;
        WorkerProcess[] others = [.. Enumerable.Range(0, 2).Select(_ => children.Add(WorkerProcess.Start(IpcPrimitiveWork.EnterAndExit, sharedLock, Contended)))];
        watch.Restart();
        Assert.All(others, p => Assert.True(p.Join(TimeSpan.FromSeconds(60))));
        double contended = watch.Elapsed.TotalNanoseconds / (2.0 * Contended);

        output.WriteLine($"ProcessLock Enter+Exit: {uncontended:F0} ns uncontended; {contended:F0} ns per pair with 2 processes contending (includes their start-up)");
        Assert.True(uncontended < 5_000, $"{uncontended} ns");
    });

    [Fact]
    public Task Queue_round_trip_and_throughput_between_processes() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessQueue<int> requests = new();
        using ProcessQueue<int> replies = new();
        WorkerProcess echo = children.Add(WorkerProcess.Start(IpcPrimitiveWork.EchoItems, requests, replies));
        requests.Put(0);
        replies.Get(TimeSpan.FromSeconds(30)); // started

        const int RoundTrips = 20_000;
        double[] times = new double[RoundTrips];
        for (int i = 0; i < RoundTrips; i++)
        {
            long start = Stopwatch.GetTimestamp();
            requests.Put(i);
            Assert.Equal(i, replies.Get(TimeSpan.FromSeconds(10)));
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        requests.Put(-1);
        Assert.True(echo.Join(TimeSpan.FromSeconds(10)));
        Array.Sort(times);
        double median = times[RoundTrips / 2];
        double p99 = times[RoundTrips * 99 / 100];

        using ProcessQueue<int> stream = new(maxSize: 10_000);
        using ProcessQueue<long> sum = new();
        const int Items = 1_000_000;
        WorkerProcess reader = children.Add(WorkerProcess.Start(IpcWork.Consume, stream, sum));
        Stopwatch watch = Stopwatch.StartNew();
        for (int i = 0; i < Items; i++)
        {
            stream.Put(i);
        }

        stream.Put(-1);
        Assert.Equal((long)Items * (Items - 1) / 2, sum.Get(TimeSpan.FromSeconds(60)));
        double perSecond = Items / watch.Elapsed.TotalSeconds;
        Assert.True(reader.Join(TimeSpan.FromSeconds(10)));

        output.WriteLine($"ProcessQueue<int> round trip parent -> child -> parent: median {median:F1} µs, p99 {p99:F1} µs");
        output.WriteLine($"ProcessQueue<int> one producer to one consumer process: {perSecond / 1e6:F2} M items/s");
        Assert.True(median < 2_000, $"median {median} µs");
        Assert.True(perSecond > 10_000, $"{perSecond} items/s");
    });

    [Fact]
    public Task Pipe_round_trip_next_to_a_queue_round_trip() => Deadline.Run(() =>
    {
        // A pipe's buffer also checks, on every send and receive, that some process holds the other end: interleaved
        // blocks of pipe and queue round trips in one run show what that costs.
        using Children children = new();
        (PipeConnection<int> mine, PipeConnection<int> theirs) = ProcessPipe.Create<int>();
        using PipeConnection<int> mineEnd = mine;
        WorkerProcess pipeEcho = children.Add(WorkerProcess.Start(IpcParityWork.EchoNumbers, theirs));
        theirs.Close();
        using ProcessQueue<int> requests = new();
        using ProcessQueue<int> replies = new();
        WorkerProcess queueEcho = children.Add(WorkerProcess.Start(IpcPrimitiveWork.EchoItems, requests, replies));
        mine.Send(0);
        mine.Receive(TimeSpan.FromSeconds(30));
        requests.Put(0);
        replies.Get(TimeSpan.FromSeconds(30)); // both started

        const int Blocks = 20;
        const int PerBlock = 1_000;
        List<double> pipe = [];
        List<double> queue = [];
        for (int block = 0; block < Blocks; block++)
        {
            for (int i = 1; i <= PerBlock; i++)
            {
                long start = Stopwatch.GetTimestamp();
                mine.Send(i);
                Assert.Equal(i, mine.Receive(TimeSpan.FromSeconds(10)));
                pipe.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }

            for (int i = 1; i <= PerBlock; i++)
            {
                long start = Stopwatch.GetTimestamp();
                requests.Put(i);
                Assert.Equal(i, replies.Get(TimeSpan.FromSeconds(10)));
                queue.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
        }

        mine.Close();
        requests.Put(-1);
        Assert.True(pipeEcho.Join(TimeSpan.FromSeconds(10)));
        Assert.True(queueEcho.Join(TimeSpan.FromSeconds(10)));
        double pipeMedian = pipe.Order().ElementAt(pipe.Count / 2);
        double queueMedian = queue.Order().ElementAt(queue.Count / 2);
        output.WriteLine($"round trip parent -> child -> parent, median: PipeConnection<int> {pipeMedian:F1} µs, ProcessQueue<int> {queueMedian:F1} µs ({pipeMedian / queueMedian:F2}×)");
        Assert.True(pipeMedian < 2_000, $"median {pipeMedian} µs");
    });
}
