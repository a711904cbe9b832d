using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>
/// Where work runs and when its results come back, through real workers: nothing waits behind a busy worker while
/// another could run it, results leave a worker as soon as they exist, callbacks run one at a time in completion order.
/// See docs/pool.md and docs/architecture.md ("Scheduling").
/// </summary>
public sealed class SchedulingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public Task Quick_calls_queued_behind_an_endless_call_run_on_the_other_worker() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 2);
        await WarmUp(test.Pool);

        AsyncResult<int> endless = test.Pool.ApplyAsync(SchedulingWork.Nap, Timeout.Infinite);
        Stopwatch watch = Stopwatch.StartNew();
        AsyncResult<int>[] quick = [.. Enumerable.Range(0, 200).Select(i => test.Pool.ApplyAsync(Work.Spin, i))];

        // Half of them went to the worker that runs the endless call, behind it: they must move to the other one.
        await Task.WhenAll(quick.Select(q => q.AsTask())).WaitAsync(Patience);
        output.WriteLine($"200 quick calls behind an endless one on a pool of 2: all done in {watch.ElapsedMilliseconds} ms");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => 2 * i), quick.Select(q => q.Get()));
        Assert.False(endless.Ready);
    });

    [Fact]
    public Task Uneven_items_finish_in_completion_order_as_idle_workers_take_the_next_item() => Deadline.Run(async () =>
    {
        // Python's imap_unordered of [5, 1, 3] tenths gives [1, 9, 25]: the worker done with the 100 ms item takes the
        // 300 ms one while the other still runs the 500 ms one. A window that queued 300 ms behind 500 ms gave
        // [1, 25, 9]. The long item lasts 1 s here, so that a loaded machine (2 cores, load 15) keeps the order.
        using TestPool test = new(processes: 2);
        await WarmUp(test.Pool);

        Stopwatch watch = Stopwatch.StartNew();
        int[] order = [.. test.Pool.ImapUnordered(SchedulingWork.SleepSquare, new[] { 10, 1, 3 })];

        output.WriteLine($"ImapUnordered of 1000, 100 and 300 ms items: [{string.Join(", ", order)}] in {watch.ElapsedMilliseconds} ms");
        Assert.Equal([1, 9, 100], order);
    });

    [Fact]
    public Task A_result_leaves_the_worker_even_when_the_next_call_is_already_queued_there_and_never_ends() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        await WarmUp(test.Pool);

        // The second and third calls reach the worker while it sleeps in the first, so it reads them together.
        AsyncResult<int> first = test.Pool.ApplyAsync(SchedulingWork.Nap, 300);
        AsyncResult<int> quick = test.Pool.ApplyAsync(Work.Square, 3);
        AsyncResult<int> endless = test.Pool.ApplyAsync(SchedulingWork.Nap, Timeout.Infinite);

        Assert.Equal(300, await first.AsTask().WaitAsync(Patience));
        Assert.Equal(9, await quick.AsTask().WaitAsync(Patience));
        Assert.False(endless.Ready);
    });

    [Fact]
    public Task The_results_of_a_chunk_stream_out_while_its_later_items_still_run() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        using IEnumerator<int> results = test.Pool.Imap(SchedulingWork.Nap, new[] { 10, 20, Timeout.Infinite }, chunkSize: 3).GetEnumerator();

        // One Run frame holds all three items; the first two results must not wait for the endless third.
        Assert.True(await Task.Run(results.MoveNext).WaitAsync(Patience));
        Assert.Equal(10, results.Current);
        Assert.True(await Task.Run(results.MoveNext).WaitAsync(Patience));
        Assert.Equal(20, results.Current);
    });

    [Fact]
    public Task A_Map_chunk_reports_progress_item_by_item_while_it_runs() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        SynchronousProgress progress = new();

        int[] results = await test.Pool.MapAsync(SchedulingWork.Nap, Enumerable.Repeat(60, 10), chunkSize: 10, progress: progress);
        long[] seen = [.. progress.Reports.Select(r => r.Completed)];

        output.WriteLine($"progress of one chunk of ten 60 ms items: {string.Join(", ", seen)}");
        Assert.All(results, r => Assert.Equal(60, r));
        Assert.True(seen.Count(c => c is > 0 and < 10) >= 3, $"progress within the chunk: {string.Join(", ", seen)}");
    });

    [Fact]
    public Task Callbacks_of_a_pool_never_overlap_and_run_in_completion_order() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 2);
        const int Calls = 20_000;
        List<(int Pid, int Run)> seen = []; // a plain list, as the tutorials append to it
        int running = 0;
        int overlaps = 0;
        AsyncResult<(int Pid, int Run)>[] calls = new AsyncResult<(int, int)>[Calls];
        for (int i = 0; i < Calls; i++)
        {
            calls[i] = test.Pool.ApplyAsync(SchedulingWork.PidAndRun, i, callback: result =>
            {
                if (Interlocked.Increment(ref running) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                seen.Add(result);
                Thread.SpinWait(500); // a callback that does a little work, so that overlaps would show
                Interlocked.Decrement(ref running);
            });
        }

        await Task.WhenAll(calls.Select(c => c.AsTask()));

        output.WriteLine($"{Calls} callbacks: {overlaps} overlapped, {seen.Count} recorded");
        Assert.Equal(0, overlaps);
        Assert.Equal(Calls, seen.Count);

        // Completion order: a worker's answers arrive in the order it finished them, so per worker the callbacks
        // see its run count increase. (Not the order of the calls: a queued call the pool takes back from a busy
        // worker may run after later ones.)
        foreach (IGrouping<int, (int Pid, int Run)> worker in seen.GroupBy(s => s.Pid))
        {
            int[] runs = [.. worker.Select(s => s.Run)];
            Assert.Equal(runs.Order(), runs);
        }
    });

    [Fact]
    public Task A_blocked_callback_delays_only_later_callbacks_never_the_workers() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1); // one worker, so that the results arrive in the order of the calls
        using ManualResetEventSlim release = new();
        List<int> order = [];
        AsyncResult<int> blocking = test.Pool.ApplyAsync(Work.Square, 2, callback: v =>
        {
            release.Wait(Patience);
            order.Add(v);
        });
        AsyncResult<int> after = test.Pool.ApplyAsync(Work.Square, 3, callback: order.Add);
        await Task.Delay(100);

        // While the first callback blocks, workers go on: calls without a callback complete.
        int[] others = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => test.Pool.ApplyAsync(Work.Square, i).AsTask())).WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i * i), others);
        Assert.False(blocking.Ready);
        Assert.False(after.Ready); // its callback waits its turn, so its result is not ready either (as in Python)

        release.Set();
        Assert.Equal(9, await after.AsTask().WaitAsync(Patience));
        Assert.Equal([4, 9], order);
    });

    [Fact]
    public Task A_call_queued_behind_a_crashing_call_never_started_and_runs_on_the_replacement() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        await WarmUp(test.Pool);

        AsyncResult<int> crashing = test.Pool.ApplyAsync(SchedulingWork.SleepThenCrash, 200);
        AsyncResult<int> queued = test.Pool.ApplyAsync(Work.Square, 7); // no retries: only a call that started may fail

        await Assert.ThrowsAsync<WorkerCrashedException>(async () => await crashing);
        Assert.Equal(49, await queued.AsTask().WaitAsync(Patience));
        test.Remember();
    });

    [Fact]
    public Task A_call_whose_worker_is_killed_while_reading_its_arguments_runs_on_the_replacement_without_retries() => Deadline.Run(async () =>
    {
        // MarkerLength has no retries: once its task began, a kill would fail it. Killed inside MemoryPack, before the
        // task began, it did nothing, so it runs on the replacement (a storm's kill often lands on a fresh worker there).
        using TestPool test = new(processes: 1);
        await test.Pool.WaitForWorkersAsync();
        string marker = Path.Combine(Path.GetTempPath(), $"parallelgen-read-{Guid.NewGuid():N}");
        try
        {
            AsyncResult<int> call = test.Pool.ApplyAsync(SchedulingWork.MarkerLength, new SlowToRead { Marker = marker });
            while (!File.Exists(marker))
            {
                await Task.Delay(5);
            }

            int reader = int.Parse(File.ReadAllText(marker), System.Globalization.CultureInfo.InvariantCulture);
            Process.GetProcessById(reader).Kill();

            Assert.Equal(marker.Length, await call.AsTask().WaitAsync(Patience));
            Assert.DoesNotContain(reader, test.Pool.WorkerPids);
            test.Remember();
        }
        finally
        {
            File.Delete(marker);
        }
    });

    [Fact]
    public Task A_call_whose_arguments_kill_every_worker_that_reads_them_fails_after_a_few_attempts() => Deadline.Run(async () =>
    {
        // Deaths before the task began are free only a few times: such arguments must not restart workers for ever.
        using TestPool test = new(processes: 1);
        await test.Pool.WaitForWorkersAsync();
        string marker = Path.Combine(Path.GetTempPath(), $"parallelgen-kill-{Guid.NewGuid():N}");
        try
        {
            AsyncResult<int> call = test.Pool.ApplyAsync(SchedulingWork.NeverBegins, new KillsItsReader { Marker = marker });

            WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await call.AsTask().WaitAsync(Patience));
            int[] readers = [.. File.ReadAllLines(marker).Select(int.Parse)];
            Assert.Equal(4, readers.Distinct().Count()); // three deaths free, the fourth counts as the call's crash
            Assert.Equal(readers[^1], crash.WorkerPid);
            Assert.Equal(4, await test.Pool.ApplyAsync(Work.Square, 2));
            test.Remember();
        }
        finally
        {
            File.Delete(marker);
        }
    });

    /// <summary>Many quick calls first, so that every worker's window is as wide as it gets.</summary>
    private static async Task WarmUp(ProcessPool pool)
    {
        await pool.WaitForWorkersAsync();
        for (int round = 0; round < 3; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => pool.ApplyAsync(Work.Square, i).AsTask()));
        }
    }
}
