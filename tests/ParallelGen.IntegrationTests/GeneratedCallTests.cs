using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>Every pool call shape, written as a user writes it, routed by the generator and run in real workers.</summary>
public sealed class GeneratedCallTests(ITestOutputHelper output)
{
    [Fact]
    public Task Map_runs_every_item_in_worker_processes_in_input_order() => Deadline.Run(() =>
    {
        using TestPool test = new();
        int[] squares = test.Pool.Map(Work.Square, Enumerable.Range(0, 1000));
        Assert.Equal(Enumerable.Range(0, 1000).Select(x => x * x), squares);

        int[] pids = test.Pool.Map(Work.PidOf, Enumerable.Range(0, 64), chunkSize: 4);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.All(pids, pid => Assert.Contains(pid, test.Pool.WorkerPids));
        output.WriteLine($"test pid {Environment.ProcessId}, worker pids {string.Join(", ", pids.Distinct())}");
    });

    [Fact]
    public Task Apply_packs_several_arguments_and_runs_in_a_worker() => Deadline.Run(() =>
    {
        using TestPool test = new();
        Assert.Equal(3L, test.Pool.Apply(Work.Add, 1, 2L));
        Assert.Equal("ann:41:0.5:True", test.Pool.Apply(Work.Describe, "ann", 41, 0.5, true));

        int pid = test.Pool.Apply(Work.WorkerPid);
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Contains(pid, test.Pool.WorkerPids);
    });

    [Fact]
    public Task ApplyAsync_returns_a_pending_result_and_runs_the_callback_in_the_parent() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        int callbackPid = 0;
        long callbackValue = 0;
        AsyncResult<long> result = test.Pool.ApplyAsync(Work.Add, 20, 22L, callback: value =>
        {
            callbackValue = value;
            callbackPid = Environment.ProcessId;
        });

        Assert.Equal(42L, await result);
        Assert.True(result.Ready);
        Assert.True(result.Successful);
        Assert.Equal(42L, callbackValue);
        Assert.Equal(Environment.ProcessId, callbackPid);

        Assert.Equal("HI!", test.Pool.ApplyAsync(Work.ShoutAsync, "hi").Get(TimeSpan.FromSeconds(30)));
        AssertRanInWorkers(test, [await test.Pool.ApplyAsync(Work.WorkerPid)]);
    });

    [Fact]
    public Task Callbacks_run_on_the_thread_pool_so_a_slow_one_does_not_hold_up_the_pool() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        using ManualResetEventSlim release = new();
        bool onThreadPool = false;
        AsyncResult<int> slow = test.Pool.ApplyAsync(Work.Square, 4, callback: _ =>
        {
            onThreadPool = Thread.CurrentThread.IsThreadPoolThread;
            release.Wait(TimeSpan.FromSeconds(30));
        });

        // The callback blocks, yet the only worker's results are still read: the next call completes meanwhile.
        Assert.Equal(9, test.Pool.ApplyAsync(Work.Square, 3).Get(TimeSpan.FromSeconds(10)));
        Assert.False(slow.Ready); // a result is ready only after its callback has run
        release.Set();
        Assert.Equal(16, slow.Get(TimeSpan.FromSeconds(10)));
        Assert.True(onThreadPool);
    });

    [Fact]
    public Task A_throwing_callback_fails_its_result_and_the_error_callback_runs_before_Wait_returns() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        AsyncResult<int> result = test.Pool.ApplyAsync(Work.Square, 2, callback: _ => throw new InvalidOperationException("callback failed"));
        InvalidOperationException thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () => await result);
        Assert.Equal("callback failed", thrown.Message);
        Assert.False(result.Successful);

        Exception? seen = null;
        AsyncResult<int> failing = test.Pool.ApplyAsync(Work.Fail, 13, errorCallback: e => seen = e);
        Assert.True(failing.Wait(TimeSpan.FromSeconds(10)));
        RemoteTaskException error = Assert.IsType<RemoteTaskException>(seen);
        Assert.False(failing.Successful);
        Assert.Same(error, Assert.Throws<RemoteTaskException>(() => failing.Get()));
        Assert.Equal("unlucky 13", error.Message);
    });

    [Fact]
    public Task Wait_with_a_timeout_returns_false_until_the_call_completes() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        AsyncResult<int> sleeper = test.Pool.ApplyAsync(Work.SleepFor, 500);

        Assert.False(sleeper.Wait(TimeSpan.FromMilliseconds(50)));
        Assert.False(sleeper.Ready);
        sleeper.Wait();
        Assert.True(sleeper.Ready);
        Assert.True(sleeper.Successful);
        Assert.Equal(500, sleeper.Get());
    });

    [Fact]
    public Task Cancelling_a_call_fires_the_token_of_the_generated_task_in_its_worker() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        string marker = Path.Combine(Path.GetTempPath(), $"parallelgen-cancel-{Guid.NewGuid():N}");
        try
        {
            using CancellationTokenSource cancel = new();
            AsyncResult<int> running = test.Pool.ApplyAsync(Work.WaitForCancellation, marker, cancellationToken: cancel.Token);
            await Eventually(() => File.Exists(marker + ".started"), "the task never started");

            cancel.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await running);
            await Eventually(() => File.Exists(marker), "the task's token never fired in the worker");
            Assert.Equal(test.Pool.WorkerPids.Single(), int.Parse(await File.ReadAllTextAsync(marker), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(9, test.Pool.ApplyAsync(Work.Square, 3).Get(TimeSpan.FromSeconds(10))); // freed by the token, not after 30 s
        }
        finally
        {
            File.Delete(marker);
            File.Delete(marker + ".started");
        }
    });

    [Fact]
    public Task A_task_returning_ValueTask_is_awaited_in_the_worker() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        Assert.Equal(3, test.Pool.Apply(Work.CountLinesAsync, new List<string> { "a", "b", "c" }));
        Assert.Equal(0, await test.Pool.ApplyAsync(Work.CountLinesAsync, new List<string>()));
        Assert.Equal(new[] { 1, 2 }, await test.Pool.MapAsync(Work.CountLinesAsync, [new List<string> { "x" }, new List<string> { "y", "z" }]));
    });

    [Fact]
    public Task MapAsync_and_StarmapAsync_complete_with_results_in_order() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        int[] squares = await test.Pool.MapAsync(Work.Square, [1, 2, 3, 4]);
        Assert.Equal([1, 4, 9, 16], squares);

        long[] sums = await test.Pool.StarmapAsync(Work.Add, [(1, 10L), (2, 20L), (3, 30L)]);
        Assert.Equal([11L, 22L, 33L], sums);

        AssertRanInWorkers(test, await test.Pool.MapAsync(Work.PidOf, Enumerable.Range(0, 8), chunkSize: 1));
        AssertRanInWorkers(test, await test.Pool.StarmapAsync(Work.PidOfPair, [(1, 1L), (2, 2L)]));
    });

    [Fact]
    public Task Starmap_unpacks_tuples_into_the_task_parameters() => Deadline.Run(() =>
    {
        using TestPool test = new();
        (int, long)[] pairs = [.. Enumerable.Range(0, 500).Select(i => (i, (long)i * 1_000_000_000))];
        long[] sums = test.Pool.Starmap(Work.Add, pairs);
        Assert.Equal(pairs.Select(p => p.Item1 + p.Item2), sums);
        AssertRanInWorkers(test, test.Pool.Starmap(Work.PidOfPair, [(1, 1L), (2, 2L)]));
    });

    [Fact]
    public Task Records_collections_tuples_enums_and_async_tasks_cross_the_boundary() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        Assert.Equal(new Point(-3, 4, "p"), test.Pool.Apply(Work.Mirror, new Point(3, 4, "p")));

        Dictionary<string, int> counts = test.Pool.Apply(Work.CountWords, new List<string> { "a", "b", "a" });
        Assert.Equal(2, counts["a"]);
        Assert.Equal(1, counts["b"]);

        Assert.Equal((1, 9), test.Pool.Apply(Work.Range, new[] { 5, 1, 9 }));
        Assert.Equal([Color.Green, Color.Blue, Color.Red], test.Pool.Map(Work.Next, [Color.Red, Color.Green, Color.Blue]));

        Assert.Equal(7, test.Pool.Apply(Work.FirstAbove, new int?[] { null, 3, 7 }, (int?)4));
        Assert.Null(test.Pool.Apply(Work.FirstAbove, new int?[] { null, 3 }, (int?)4));

        await test.Pool.ApplyAsync(Work.Pause, 5);
        string[] shouted = await test.Pool.MapAsync(Work.ShoutAsync, ["a", "b"]);
        Assert.Equal(["A!", "B!"], shouted);
    });

    [Fact]
    public Task A_static_field_changed_in_a_worker_is_not_seen_by_the_parent() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        Assert.Equal(5, test.Pool.Apply(Work.IncrementCounter, 5));
        Assert.Equal(12, test.Pool.Apply(Work.IncrementCounter, 7));

        // The worker's copy grew; the parent's never moved, as with Python's processes.
        Assert.Equal(0, Work.Counter);
    });

    [Fact]
    public Task WaitForWorkersAsync_completes_when_every_worker_has_answered() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 2);
        await test.Pool.WaitForWorkersAsync();
        int[] pids = [.. test.Pool.WorkerPids];
        Assert.Equal(2, pids.Length);
        Assert.All(pids, pid => Assert.True(Processes.IsAlive(pid)));
        await test.Pool.WaitForWorkersAsync(); // already ready: completes at once

        test.Pool.Terminate();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => test.Pool.WaitForWorkersAsync());
    });

    [Fact]
    public Task Long_tasks_submitted_while_workers_start_do_not_queue_behind_each_other() => Deadline.Run(async () =>
    {
        // Submitted at once, before the second worker is up: the first ready worker must not take both.
        using TestPool test = new(processes: 2);
        AsyncResult<int> first = test.Pool.ApplyAsync(Work.SleepThenPid, 700);
        AsyncResult<int> second = test.Pool.ApplyAsync(Work.SleepThenPid, 700);
        Assert.NotEqual(await first, await second);
    });

    /// <summary>Asserts that every pid is one of the pool's workers, never this test process.</summary>
    private static void AssertRanInWorkers(TestPool test, IEnumerable<int> pids)
    {
        Assert.All(pids, pid =>
        {
            Assert.NotEqual(Environment.ProcessId, pid);
            Assert.Contains(pid, test.Pool.WorkerPids);
        });
    }

    /// <summary>Polls <paramref name="condition"/> for up to 10 s.</summary>
    private static async Task Eventually(Func<bool> condition, string failure)
    {
        System.Diagnostics.Stopwatch waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), failure);
            await Task.Delay(10);
        }
    }

    [Fact]
    public void The_generated_descriptors_also_run_in_process()
    {
        // The same stubs the worker runs, called directly: a quick check of the dispatch code without processes.
        Assert.Equal(49, WorkProcessTasks.Square.Invoke(7));
        Assert.Equal(3L, WorkProcessTasks.Add.Invoke((1, 2L)));
        Assert.Equal("X!", WorkProcessTasks.ShoutAsync.Invoke("x"));
        Assert.Equal(new Point(-1, 0, ""), WorkProcessTasks.Mirror.Invoke(new Point(1, 0, "")));
        Assert.NotEqual(WorkProcessTasks.Square.Id, WorkProcessTasks.Add.Id);
        Assert.True(WorkProcessTasks.ShoutAsync.AcceptsCancellation);
        Assert.Equal("ParallelGen.IntegrationTests.Work.Add(int, long)", WorkProcessTasks.Add.Name);
    }
}
