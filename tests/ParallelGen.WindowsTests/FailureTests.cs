namespace ParallelGen.WindowsTests;

/// <summary>Workers that crash, exit or hang: a typed error for their calls only, and the pool carries on.</summary>
public sealed class FailureTests(ITestOutputHelper output)
{
    [Fact]
    public Task A_worker_that_crashes_fails_only_its_call_with_the_crash_named_and_is_replaced() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await test.Pool.ApplyAsync(Work.Crash, 0));
        output.WriteLine(crash.Message);

        if (OperatingSystem.IsWindows())
        {
            // The runtime reports the fatal access violation and fails fast (Wine 8 gives 0xC0000602 for that).
            Assert.Contains(crash.NtStatus, new uint?[] { 0xC0000005, 0xC0000602 });
            Assert.Null(crash.Signal);
            Assert.Matches(@"exited with status 0x(C0000005 \(STATUS_ACCESS_VIOLATION|C0000602 \(STATUS_FAIL_FAST_EXCEPTION)", crash.Message);
        }
        else
        {
            // The runtime reports a fatal access violation and aborts.
            Assert.Contains(crash.Signal, new int?[] { 6, 11 });
            Assert.Null(crash.NtStatus);
        }

        Assert.Contains("Work.Crash", crash.TaskName, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 50).Select(x => x * x), test.Pool.Map(Work.Square, Enumerable.Range(0, 50)));
        await test.Pool.WaitForWorkersAsync(); // the replacement may still be starting (a cold Wine prefix is slow)
        Assert.Equal(2, test.Pool.WorkerPids.Count);
    });

    [Fact]
    public Task A_worker_that_exits_reports_its_exit_code_and_one_killed_from_outside_is_replaced() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        WorkerCrashedException exited = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await test.Pool.ApplyAsync(Work.ExitWith, 7));
        Assert.Equal(7, exited.ExitCode);
        Assert.Contains("exited with code 7", exited.Message, StringComparison.Ordinal);

        await test.Pool.WaitForWorkersAsync();
        int victim = test.Pool.WorkerPids[0];
        using (System.Diagnostics.Process process = System.Diagnostics.Process.GetProcessById(victim))
        {
            process.Kill();
        }

        OsProcesses.AssertAllExited([victim], TimeSpan.FromSeconds(10));
        for (int waited = 0; test.Pool.WorkerPids.Contains(victim); waited += 20)
        {
            // A call sent before the pool has seen the exit would fail with the victim, as in Python: wait for the pool.
            Assert.True(waited < 20_000, "the pool did not notice that a worker was killed");
            await Task.Delay(20);
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), test.Pool.Map(Work.Square, Enumerable.Range(0, 40), chunkSize: 1));
        Assert.DoesNotContain(victim, test.Pool.WorkerPids);
    });

    [Fact]
    public Task A_call_past_TaskTimeout_fails_with_TimeoutException_and_the_pool_carries_on() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 2, options: new ProcessPoolOptions { TaskTimeout = TimeSpan.FromMilliseconds(500) });
        await test.Pool.WaitForWorkersAsync();
        AsyncResult<int> stuck = test.Pool.ApplyAsync(Work.Hang, 0);
        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(async () => await stuck);
        output.WriteLine(timeout.Message);
        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), test.Pool.Map(Work.Square, Enumerable.Range(0, 20)));
    });

    [Fact]
    public Task Terminate_ends_every_worker_and_fails_the_pending_calls() => Deadline.Run(async () =>
    {
        // Workers not reused: Terminate then kills the idle worker too, not only the busy one (with ReuseWorkers, the
        // idle one would be parked for the next pool, and live until IdleWorkerTimeout: the 10 s this test waits).
        using TestPool test = new(options: new ProcessPoolOptions { ReuseWorkers = false });
        await test.Pool.WaitForWorkersAsync();
        int[] workers = [.. test.Pool.WorkerPids];
        AsyncResult<int> pending = test.Pool.ApplyAsync(Work.SleepFor, 30_000);
        await Task.Delay(200);
        test.Pool.Terminate();
        await Assert.ThrowsAnyAsync<Exception>(async () => await pending);
        OsProcesses.AssertAllExited(workers, TimeSpan.FromSeconds(5));
    });
}
