using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>Imap, ImapUnordered and ImapAsync: lazy on both sides, through real workers.</summary>
public sealed class ImapTests(ITestOutputHelper output)
{
    [Fact]
    public Task Imap_yields_results_in_input_order_from_a_lazy_sequence() => Deadline.Run(() =>
    {
        using TestPool test = new();
        int[] results = [.. test.Pool.Imap(Work.Square, Enumerable.Range(0, 1000).Select(x => x), chunkSize: 7)];
        Assert.Equal(Enumerable.Range(0, 1000).Select(x => x * x), results);
    });

    [Fact]
    public Task Imap_pulls_an_endless_input_only_as_far_as_the_consumer_goes() => Deadline.Run(() =>
    {
        using TestPool test = new();
        long pulled = 0;
        IEnumerable<int> Endless()
        {
            for (int i = 0; ; i++)
            {
                Interlocked.Increment(ref pulled);
                yield return i;
            }
        }

        int[] first = [.. test.Pool.Imap(Work.Square, Endless(), chunkSize: 4).Take(100)];

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), first);
        long pulledAtEnd = Interlocked.Read(ref pulled);
        output.WriteLine($"pulled {pulledAtEnd} items for 100 results");
        Assert.True(pulledAtEnd < 100 + 256 + 8, $"pulled {pulledAtEnd} items");

        Thread.Sleep(200);
        Assert.Equal(pulledAtEnd, Interlocked.Read(ref pulled)); // stopped when the loop was left
        Assert.Equal(49, test.Pool.Apply(Work.Square, 7));
    });

    [Fact]
    public Task Results_are_consumed_while_later_inputs_are_still_being_produced() => Deadline.Run(() =>
    {
        using TestPool test = new();
        using ManualResetEventSlim firstResultSeen = new();
        IEnumerable<int> Producer()
        {
            yield return 3;

            // Produced only after the consumer has the first result: a pool that read the whole input first would hang here.
            Assert.True(firstResultSeen.Wait(TimeSpan.FromSeconds(20)), "the first result never reached the consumer");
            yield return 4;
        }

        List<int> results = [];
        foreach (int square in test.Pool.Imap(Work.Square, Producer()))
        {
            results.Add(square);
            firstResultSeen.Set();
        }

        Assert.Equal([9, 16], results);
    });

    [Fact]
    public Task ImapUnordered_yields_a_fast_item_before_a_slow_one_submitted_earlier() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        await test.Pool.WaitForWorkersAsync(); // so that the two items can run side by side
        Stopwatch watch = Stopwatch.StartNew();
        List<int> order = [.. test.Pool.ImapUnordered(Work.SleepFor, new[] { 1500, 10 })];
        output.WriteLine($"order {string.Join(", ", order)} after {watch.ElapsedMilliseconds} ms");
        Assert.Equal([10, 1500], order);
    });

    [Fact]
    public Task A_failing_item_throws_when_it_is_reached_after_the_items_before_it() => Deadline.Run(() =>
    {
        using TestPool test = new();
        List<int> seen = [];
        RemoteTaskException error = Assert.Throws<RemoteTaskException>(() =>
        {
            foreach (int value in test.Pool.Imap(Work.Fail, Enumerable.Range(0, 20), chunkSize: 3))
            {
                seen.Add(value);
            }
        });

        Assert.Equal(Enumerable.Range(0, 13), seen);
        Assert.Equal(13, error.InputIndex);
        Assert.Equal("unlucky 13", error.Message);
        Assert.Equal(5, test.Pool.Apply(Work.Fail, 5));
    });

    [Fact]
    public Task Imap_reports_progress_and_learns_the_total_when_the_input_ends() => Deadline.Run(() =>
    {
        using TestPool test = new();
        SynchronousProgress progress = new();
        using ManualResetEventSlim firstReport = new();
        progress.Reported += _ => firstReport.Set();
        IEnumerable<int> Input()
        {
            for (int i = 0; i < 1000; i++)
            {
                // The second half is produced only after a report, so at least one report precedes the input's end.
                if (i == 500)
                {
                    Assert.True(firstReport.Wait(TimeSpan.FromSeconds(20)), "no progress report while the input was still being produced");
                }

                yield return i;
            }
        }

        int[] squares = [.. test.Pool.Imap(Work.Square, Input(), chunkSize: 10, progress: progress)];

        PoolProgress[] reports = progress.Reports;
        output.WriteLine($"{reports.Length} reports: {string.Join(", ", reports.Select(r => $"{r.Completed}/{r.Total?.ToString() ?? "?"}"))}");
        Assert.Equal(Enumerable.Range(0, 1000).Select(x => x * x), squares);
        Assert.Null(reports[0].Total);
        Assert.Null(reports[0].Fraction);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Completed <= p.Second.Completed), "progress went backwards");
        Assert.Equal(new PoolProgress(1000, 1000, reports[^1].Elapsed), reports[^1]);
        Assert.Single(reports, r => r.Completed == r.Total);
    });

    [Fact]
    public Task Cancelling_ImapAsync_stops_pulling_the_input_even_while_the_consumer_is_busy() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        long pulled = 0;
        IEnumerable<int> SlowEndless()
        {
            while (true)
            {
                Thread.Sleep(5);
                Interlocked.Increment(ref pulled);
                yield return 3;
            }
        }

        using CancellationTokenSource cancel = new();
        long atCancel = 0;
        long afterBusy = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (int _ in test.Pool.ImapAsync(Work.Square, SlowEndless(), cancellationToken: cancel.Token))
            {
                cancel.Cancel();
                Thread.Sleep(20); // the feeder, if it is still running, finishes the item it is producing
                atCancel = Interlocked.Read(ref pulled);
                await Task.Delay(300); // busy with the first result: the call must not keep pulling input meanwhile
                afterBusy = Interlocked.Read(ref pulled);
            }
        });

        output.WriteLine($"pulled {atCancel} items by the cancel, {afterBusy} after 300 ms more");
        Assert.Equal(atCancel, afterBusy);
        Assert.Equal(9, test.Pool.Apply(Work.Square, 3));
    });

    [Fact]
    public Task ImapAsync_streams_results_and_stops_when_cancelled() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        List<int> all = [];
        await foreach (int square in test.Pool.ImapAsync(Work.Square, Enumerable.Range(0, 500), chunkSize: 16))
        {
            all.Add(square);
        }

        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * x), all);

        using CancellationTokenSource cancel = new();
        int received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (int _ in test.Pool.ImapAsync(Work.SleepFor, Enumerable.Repeat(20, 10_000), cancellationToken: cancel.Token))
            {
                if (++received == 3)
                {
                    cancel.Cancel();
                }
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(64, test.Pool.Apply(Work.Square, 8));
    });

    [Fact]
    public Task An_enumerator_dropped_without_Dispose_holds_no_thread_and_its_input_is_released() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        const int Dropped = 40;
        int released = 0;
        IEnumerable<int> Endless()
        {
            try
            {
                for (int i = 0; ; i++)
                {
                    yield return i;
                }
            }
            finally
            {
                Interlocked.Increment(ref released);
            }
        }

        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        for (int i = 0; i < Dropped; i++)
        {
            Assert.Equal(0, TakeOneAndDrop(test.Pool, Endless()));
        }

        Stopwatch watch = Stopwatch.StartNew();
        while (Volatile.Read(ref released) < Dropped && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }

        int threadsAfter = Process.GetCurrentProcess().Threads.Count;
        output.WriteLine($"{Dropped} enumerators dropped after one item: {released} inputs released, threads {threadsBefore} -> {threadsAfter}");
        Assert.Equal(Dropped, released);
        Assert.True(threadsAfter < threadsBefore + Dropped / 2, $"threads {threadsBefore} -> {threadsAfter}");
        Assert.Equal(9, test.Pool.Apply(Work.Square, 3));
    });

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int TakeOneAndDrop(ProcessPool pool, IEnumerable<int> input)
    {
        IEnumerator<int> results = pool.Imap(Work.Square, input).GetEnumerator();
        Assert.True(results.MoveNext());
        return results.Current; // the enumerator is dropped here without Dispose
    }
}
