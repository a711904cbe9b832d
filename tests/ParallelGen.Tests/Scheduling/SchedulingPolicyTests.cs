using ParallelGen.Pool;

namespace ParallelGen.Tests.Scheduling;

/// <summary>
/// The policies of issue 13 against a <see cref="FakeBackend"/>: nothing waits behind a busy worker, runs that never
/// started are never failed, a crashed chunk resumes at the item that was running, failed starts back off and the pool
/// serves with the workers it has, idle workers of a disposed pool are reused, callbacks run one at a time in order.
/// </summary>
public sealed class SchedulingPolicyTests
{
    private static readonly TimeSpan Short = TimeSpan.FromTicks(1);
    private static readonly TimeSpan Busy = TimeSpan.FromMilliseconds(PoolScheduler.BusyMilliseconds);

    [Fact]
    public async Task An_idle_worker_gets_the_runs_queued_behind_a_run_that_keeps_its_worker_busy()
    {
        using FakePool test = new(processes: 2);
        test.Backend.AllReady();
        (FakeWorker first, FakeWorker second) = (test.Backend.Launched[0], test.Backend.Launched[1]);
        OpenWindows(test.Pool, first, second);

        AsyncResult<int> endless = test.Pool.ApplyAsync(TestTasks.Square, -1);
        AsyncResult<int>[] quick = [.. Enumerable.Range(0, 20).Select(i => test.Pool.ApplyAsync(TestTasks.Square, i))];
        Assert.Equal(11, first.Pending); // the endless one and ten quick ones behind it
        Assert.Equal(10, second.Pending);
        first.StartNext(); // it runs the endless call, for ever

        second.RunAll(Short);
        Assert.Empty(first.WithdrawRequests); // the endless call has not been running long enough yet

        test.Time.Advance(Busy);
        Assert.Equal(10, first.WithdrawRequests.Count);
        Assert.Equal(10, first.AnswerWithdrawals().Count);
        Assert.Equal(10, second.Pending);
        second.RunAll(Short);

        int[] results = await Task.WhenAll(quick.Select(q => q.AsTask())).WaitAsync(FakePool.Wait);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * i), results);
        Assert.False(endless.Ready);
        Assert.Equal(0, first.Pending);
    }

    [Fact]
    public async Task A_withdrawal_that_comes_too_late_is_moot_and_the_run_is_answered_where_it_ran()
    {
        using FakePool test = new(processes: 2);
        test.Backend.AllReady();
        (FakeWorker first, FakeWorker second) = (test.Backend.Launched[0], test.Backend.Launched[1]);
        OpenWindows(test.Pool, first, second);
        AsyncResult<int> slow = test.Pool.ApplyAsync(TestTasks.Square, 2);
        AsyncResult<int> other = test.Pool.ApplyAsync(TestTasks.Square, 4);
        AsyncResult<int> behind = test.Pool.ApplyAsync(TestTasks.Square, 3);
        Assert.Equal(2, first.Pending);
        Assert.Equal(1, second.Pending);
        first.StartNext();
        second.RunAll(Short);
        test.Time.Advance(Busy);
        Assert.Single(first.WithdrawRequests);

        // The slow run finishes and the one behind it starts before the worker reads the withdrawal.
        first.RunNext(Busy);
        first.StartNext();
        Assert.Empty(first.AnswerWithdrawals());
        first.RunNext(Short);

        Assert.Equal(4, await slow.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal(9, await behind.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal(16, await other.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal(0, second.Pending);
    }

    [Fact]
    public void A_worker_busy_past_the_mark_gets_nothing_more_while_it_runs()
    {
        using FakePool test = new(processes: 1);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        OpenWindows(test.Pool, worker);
        _ = test.Pool.ApplyAsync(TestTasks.Square, 1);
        worker.StartNext();
        test.Time.Advance(Busy);

        _ = test.Pool.ApplyAsync(TestTasks.Square, 2);

        Assert.Equal(0, worker.Pending); // it waits in the pool, for whichever worker is free first
        worker.RunNext(Busy);
        Assert.Equal(1, worker.Pending);
    }

    [Fact]
    public async Task Runs_a_dead_worker_had_not_taken_up_run_elsewhere_without_counting_a_crash()
    {
        using FakePool test = new(processes: 1);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        OpenWindows(test.Pool, worker);
        AsyncResult<int> crashing = test.Pool.ApplyAsync(TestTasks.Square, 2);
        AsyncResult<int> queued = test.Pool.ApplyAsync(TestTasks.Square, 3); // no retries: a crash would fail it
        Assert.Equal(2, worker.Pending);

        worker.StartNext();
        worker.Exit(-9, "killed by a test");

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => crashing.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal(worker.Id, crash.WorkerPid);
        FakeWorker replacement = test.Backend.Launched[1];
        replacement.Ready();
        replacement.RunNext();
        Assert.Equal(9, await queued.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task A_call_whose_worker_died_while_reading_its_arguments_runs_elsewhere_without_counting_a_crash()
    {
        // Square has no retries: had its task begun, the first death would fail the call. Three deaths while reading the
        // arguments cost nothing; the fourth counts as the crash it may be (arguments whose reading kills every worker).
        using FakePool test = new(processes: 1);
        AsyncResult<int> call = test.Pool.ApplyAsync(TestTasks.Square, 5);
        for (int death = 0; death < WorkUnit.FreeDeathsBeforeBegin; death++)
        {
            FakeWorker worker = test.Backend.Launched[^1];
            worker.Ready();
            worker.TakeUpWithoutBeginning();
            worker.Exit(-9);
            Assert.False(call.Ready, $"failed at death {death + 1}");
        }

        FakeWorker last = test.Backend.Launched[^1];
        last.Ready();
        last.TakeUpWithoutBeginning();
        last.Exit(-9);
        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => call.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal(last.Id, crash.WorkerPid);
        Assert.Equal(WorkUnit.FreeDeathsBeforeBegin + 2, test.Backend.Launched.Count);
    }

    [Fact]
    public async Task Deaths_before_a_task_began_do_not_use_up_the_retries_of_the_item_that_then_runs()
    {
        // SquareWithRetries (MaxRetries = 3) at the start of a storm that kills each replacement as it reads its
        // arguments: the item still gets its three retries once its task runs.
        using FakePool test = new(processes: 1);
        AsyncResult<int> call = test.Pool.ApplyAsync(TestTasks.SquareWithRetries, 6);
        foreach (bool begins in new[] { true, false, false, true, false, true })
        {
            FakeWorker worker = test.Backend.Launched[^1];
            worker.Ready();
            if (begins)
            {
                worker.StartNext();
            }
            else
            {
                worker.TakeUpWithoutBeginning();
            }

            worker.Exit(-9);
            Assert.False(call.Ready);
        }

        FakeWorker last = test.Backend.Launched[^1];
        last.Ready();
        last.RunNext(Short);
        Assert.Equal(36, await call.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task A_chunk_whose_worker_dies_resumes_at_the_item_that_was_running_and_retries_count_per_item()
    {
        // Square with MaxRetries = 3: the same item may be running at three crashes and still succeed at the fourth try;
        // items that finished before a crash are never run again, and crashes at different items do not add up.
        using FakePool test = new(processes: 1);
        Task<int[]> map = test.Pool.MapAsync(TestTasks.SquareWithRetries, Enumerable.Range(0, 10), chunkSize: 10);
        int crashes = 0;
        foreach (int finishedBeforeCrash in new[] { 3, 0, 0, 2, 0, 4 })
        {
            FakeWorker worker = test.Backend.Launched[^1];
            worker.Ready();
            worker.RunPartly(finishedBeforeCrash);
            worker.Exit(-9);
            crashes++;
        }

        FakeWorker last = test.Backend.Launched[^1];
        last.Ready();
        Assert.Equal(1, last.Pending);
        last.RunNext(Short);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * i), await map.WaitAsync(FakePool.Wait));
        Assert.Equal(crashes + 1, test.Backend.Launched.Count);
    }

    [Fact]
    public async Task An_item_running_at_more_crashes_than_its_retries_fails_the_map()
    {
        using FakePool test = new(processes: 1);
        Task<int[]> map = test.Pool.MapAsync(TestTasks.SquareWithRetries, Enumerable.Range(0, 10), chunkSize: 10);
        foreach (int finishedBeforeCrash in new[] { 5, 0, 0, 0 })
        {
            FakeWorker worker = test.Backend.Launched[^1];
            worker.Ready();
            worker.RunPartly(finishedBeforeCrash);
            worker.Exit(-9);
        }

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => map.WaitAsync(FakePool.Wait));
        Assert.Contains("with retries", crash.Message);
    }

    [Fact]
    public async Task A_pool_that_cannot_replace_a_worker_serves_with_the_other_retries_with_back_off_and_recovers()
    {
        using FakePool test = new(processes: 2);
        List<PoolHealth> changes = [];
        test.Pool.HealthChanged += (_, e) =>
        {
            lock (changes)
            {
                changes.Add(e.Health);
            }
        };
        test.Backend.AllReady();
        (FakeWorker dying, FakeWorker survivor) = (test.Backend.Launched[0], test.Backend.Launched[1]);
        Exception emfile = new IOException("pipe2 failed: Too many open files (errno 24)");
        test.Backend.LaunchFailure = () => emfile;

        dying.Exit(-9);
        Assert.Equal(PoolHealth.Degraded, test.Pool.Health);
        AsyncResult<int> served = test.Pool.ApplyAsync(TestTasks.Square, 5);
        survivor.RunNext();
        Assert.Equal(25, await served.AsTask().WaitAsync(FakePool.Wait));

        // It keeps trying: at once, then after 100 ms, 200 ms, 400 ms... (each try fails here).
        int launchesBefore = test.Backend.Launched.Count;
        test.Backend.LaunchFailure = null;
        test.Time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(launchesBefore, test.Backend.Launched.Count);
        test.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(launchesBefore + 1, test.Backend.Launched.Count);
        test.Backend.Launched[^1].Ready();

        Assert.Equal(PoolHealth.Healthy, test.Pool.Health);
        await WaitUntil(() => changes.Count == 2);
        Assert.Equal([PoolHealth.Degraded, PoolHealth.Healthy], changes);
    }

    [Fact]
    public async Task With_no_worker_and_three_failed_starts_calls_fail_with_the_cause_until_a_start_succeeds()
    {
        using FakePool test = new(processes: 1);
        AsyncResult<int> queued = test.Pool.ApplyAsync(TestTasks.Square, 2);
        test.Backend.Launched[0].Exit(1, "cannot load the app");
        test.Backend.Launched[1].Exit(1, "cannot load the app"); // the second try was at once
        Assert.Equal(PoolHealth.Degraded, test.Pool.Health);
        Assert.False(queued.Ready); // a worker may yet start: the call waits
        test.Time.Advance(TimeSpan.FromMilliseconds(100));
        test.Backend.Launched[2].Exit(1, "cannot load the app");

        Assert.Equal(PoolHealth.Unavailable, test.Pool.Health);
        WorkerCrashedException fault = await Assert.ThrowsAsync<WorkerCrashedException>(() => queued.AsTask().WaitAsync(FakePool.Wait));
        Assert.Contains("failed to start 3 times in a row", fault.Message);
        Assert.Contains("cannot load the app", fault.Message);
        InvalidOperationException later = Assert.Throws<InvalidOperationException>(() => test.Pool.ApplyAsync(TestTasks.Square, 3));
        Assert.Same(fault, later.InnerException);

        // The pool keeps trying (200 ms later now); the cause went away, so this start succeeds and the pool serves again.
        Assert.Equal(3, test.Backend.Launched.Count);
        test.Time.Advance(TimeSpan.FromMilliseconds(200));
        FakeWorker recovered = test.Backend.Launched[3];
        recovered.Ready();
        Assert.Equal(PoolHealth.Healthy, test.Pool.Health);
        AsyncResult<int> after = test.Pool.ApplyAsync(TestTasks.Square, 4);
        recovered.RunNext();
        Assert.Equal(16, await after.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public void The_back_off_between_failed_starts_doubles_up_to_five_seconds()
    {
        using FakePool test = new(processes: 1);
        test.Backend.LaunchFailure = () => new IOException("no");
        test.Backend.Launched[0].Exit(1); // 1st failure: the next try is at once, and fails to launch (2nd)
        List<int> waits = [];
        for (int attempt = 0; attempt < 9; attempt++)
        {
            int before = test.Backend.LaunchAttempts;
            int waited = 0;
            while (test.Backend.LaunchAttempts == before)
            {
                test.Time.Advance(TimeSpan.FromMilliseconds(100));
                waited += 100;
            }

            waits.Add(waited);
        }

        Assert.Equal([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000], waits);
        Assert.Equal(PoolHealth.Unavailable, test.Pool.Health);
    }

    [Fact]
    public async Task A_disposed_pool_parks_its_idle_workers_for_the_next_pool_of_its_shape_and_kills_the_busy_ones()
    {
        string shape = $"fake-{Guid.NewGuid():N}";
        FakeWorker idle;
        FakeWorker busy;
        using (FakePool first = new(processes: 2, reuseKey: shape))
        {
            first.Backend.AllReady();
            _ = first.Pool.ApplyAsync(TestTasks.Square, 1);
            busy = first.Backend.Launched.Single(w => w.Pending == 1);
            idle = first.Backend.Launched.Single(w => w.Pending == 0);
        }

        Assert.True(busy.Killed);
        Assert.False(idle.Killed);
        Assert.False(idle.ShutdownRequested);

        using FakePool second = new(processes: 1, reuseKey: shape);
        Assert.Empty(second.Backend.Launched); // nothing launched: the parked worker serves
        Assert.Equal([idle.Id], second.Pool.WorkerPids);
        AsyncResult<int> call = second.Pool.ApplyAsync(TestTasks.Square, 6);
        idle.RunNext();
        Assert.Equal(36, await call.AsTask().WaitAsync(FakePool.Wait));

        using FakePool other = new(processes: 1, reuseKey: shape + "-other");
        Assert.Single(other.Backend.Launched);
    }

    [Fact]
    public async Task A_worker_still_starting_when_its_pool_is_disposed_serves_the_next_pool_once_it_is_up()
    {
        string shape = $"fake-{Guid.NewGuid():N}";
        FakeWorker starting;
        using (FakePool first = new(processes: 1, reuseKey: shape))
        {
            starting = first.Backend.Launched.Single();
        }

        Assert.False(starting.Killed);
        using FakePool second = new(processes: 1, reuseKey: shape);
        Assert.Empty(second.Backend.Launched);
        AsyncResult<int> call = second.Pool.ApplyAsync(TestTasks.Square, 7);
        Assert.Equal(0, starting.Pending); // not up yet

        starting.Ready();
        starting.RunNext();
        Assert.Equal(49, await call.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task Callbacks_run_one_at_a_time_in_the_order_the_results_arrive()
    {
        using FakePool test = new(processes: 2);
        test.Backend.AllReady();
        (FakeWorker first, FakeWorker second) = (test.Backend.Launched[0], test.Backend.Launched[1]);
        List<int> order = [];
        using ManualResetEventSlim blocker = new();
        AsyncResult<int> a = test.Pool.ApplyAsync(TestTasks.Square, 2, callback: v =>
        {
            blocker.Wait(FakePool.Wait);
            order.Add(v);
        });
        AsyncResult<int> b = test.Pool.ApplyAsync(TestTasks.Square, 3, callback: order.Add);
        Assert.Equal(1, first.Pending); // a
        Assert.Equal(1, second.Pending); // b

        first.RunNext();  // a's result arrives first; its callback blocks
        second.RunNext();    // b's arrives while a's callback still runs: it waits its turn
        await Task.Delay(50);
        Assert.Empty(order);
        Assert.False(b.Ready);

        blocker.Set();
        Assert.Equal(9, await b.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal([4, 9], order);
        Assert.True(a.Ready);
    }

    /// <summary>Quick calls through every worker, so that their windows are wide open.</summary>
    /// <summary>Runs eight rounds of quick calls on <paramref name="workers"/>, so that each may take several runs at once.</summary>
    internal static void OpenWindows(ProcessPool pool, params FakeWorker[] workers)
    {
        for (int round = 0; round < 8; round++)
        {
            for (int i = 0; i < workers.Length; i++)
            {
                _ = pool.ApplyAsync(TestTasks.Square, round);
            }

            foreach (FakeWorker worker in workers)
            {
                worker.RunAll(Short);
            }
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using CancellationTokenSource timeout = new(FakePool.Wait);
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
