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
}
