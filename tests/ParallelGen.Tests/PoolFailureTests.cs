using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.Tests;

public sealed class PoolFailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_task_exception_reaches_the_caller_with_remote_details_and_the_worker_survives()
    {
        using TestPool test = new(processes: 1);
        int before = test.Pool.WorkerPids.Single();

        RemoteTaskException error = await Assert.ThrowsAsync<RemoteTaskException>(
            () => Deadline.Run(() => test.Pool.Map(TestTasks.Fail, Enumerable.Range(0, 20), chunkSize: 5)));

        output.WriteLine(error.ToString());
        Assert.Equal("System.InvalidOperationException", error.RemoteTypeName);
        Assert.Equal("unlucky 13", error.Message);
        Assert.Contains(nameof(Work.Fail), error.RemoteStackTrace);
        Assert.Equal(13, error.InputIndex);
        Assert.Equal(before, error.WorkerPid);
        Assert.Equal(before, test.Pool.WorkerPids.Single());
        Assert.Equal(49, await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 7)));
    }

    [Fact]
    public async Task A_worker_that_exits_fails_its_call_and_is_replaced()
    {
        using TestPool test = new(processes: 1);
        int before = test.Pool.WorkerPids.Single();
        Stopwatch watch = Stopwatch.StartNew();

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(
            () => Deadline.Run(() => test.Pool.Apply(TestTasks.Exit, 3)));

        output.WriteLine($"{crash.Message} (detected after {watch.ElapsedMilliseconds} ms)");
        Assert.Equal(before, crash.WorkerPid);
        Assert.Equal(3, crash.ExitCode);
        Assert.Null(crash.Signal);
        Assert.Equal("Work.Exit(int)", crash.TaskName);
        Assert.Equal(81, await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 9)));
        test.Remember();
        Assert.NotEqual(before, test.Pool.WorkerPids.Single());
    }

    [Fact]
    public async Task A_worker_killed_by_a_signal_reports_the_signal()
    {
        using TestPool test = new(processes: 2);

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(
            () => Deadline.Run(() => test.Pool.Apply(TestTasks.KillSelf, 0)));

        output.WriteLine(crash.Message);
        Assert.Equal(-9, crash.ExitCode);
        Assert.Equal(9, crash.Signal);
        Assert.Equal(new[] { 1, 4, 9 }, await Deadline.Run(() => test.Pool.Map(TestTasks.Square, [1, 2, 3])));
        test.Remember();
    }

    [Fact]
    public async Task A_Map_whose_worker_dies_fails_with_WorkerCrashedException_and_the_pool_serves_on()
    {
        // Failing the Map tells the workers running its other chunks to stop, including the dead one.
        using TestPool test = new(processes: 2);

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(
            () => Deadline.Run(() => test.Pool.Map(TestTasks.KillSelf, [0, 1, 2, 3], chunkSize: 1)));

        output.WriteLine(crash.Message);
        Assert.Equal(9, crash.Signal);
        test.Remember();
        Assert.Equal(new[] { 1, 4, 9 }, await Deadline.Run(() => test.Pool.Map(TestTasks.Square, [1, 2, 3])));
        test.Remember();
    }

    [Fact]
    public async Task A_Map_with_a_chunk_past_TaskTimeout_fails_with_TimeoutException_and_the_pool_serves_on()
    {
        using TestPool test = new(options: new ProcessPoolOptions { Processes = 1, TaskTimeout = TimeSpan.FromMilliseconds(300) });

        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(
            () => Deadline.Run(() => test.Pool.Map(TestTasks.Sleep, [10, 20_000, 10], chunkSize: 1)));

        output.WriteLine(timeout.Message);
        test.Remember();
        Assert.Equal(new[] { 1, 4 }, await Deadline.Run(() => test.Pool.Map(TestTasks.Square, [1, 2])));
        test.Remember();
    }

    [Fact]
    public async Task A_long_timeout_on_a_large_chunk_does_not_overflow_into_an_instant_timeout()
    {
        // 1 day × 200 items × ticks per second overflowed a long: the chunk "timed out" at the watchdog's first look.
        using TestPool test = new(options: new ProcessPoolOptions { Processes = 1, TaskTimeout = TimeSpan.FromDays(1) });

        int[] slept = await Deadline.Run(() => test.Pool.Map(TestTasks.Sleep, Enumerable.Repeat(2, 200), chunkSize: 200));

        Assert.Equal(Enumerable.Repeat(2, 200), slept);
    }

    [Fact]
    public async Task A_dead_worker_is_noticed_at_once_even_if_a_process_it_started_lives_on()
    {
        // The worker's pipes are close-on-exec: a child of the task must not hold them open past the worker's death.
        // (By default the child ends with its worker; KeepWorkerDescendants lets it live on, as here.)
        using TestPool test = new(processes: 1, options: new ProcessPoolOptions { KeepWorkerDescendants = true });
        string pidFile = Path.Combine(Path.GetTempPath(), $"parallelgen-child-{Guid.NewGuid():N}");
        Stopwatch watch = Stopwatch.StartNew();
        try
        {
            await Assert.ThrowsAsync<WorkerCrashedException>(() => Deadline.Run(() => test.Pool.Apply(TestTasks.StartChildThenDie, pidFile)));

            output.WriteLine($"crash reported after {watch.ElapsedMilliseconds} ms while the task's child (sleep 30) still runs");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
            Assert.True(Processes.IsAlive(int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture)));
        }
        finally
        {
            if (File.Exists(pidFile))
            {
                Processes.Kill(int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture));
                File.Delete(pidFile);
            }
        }

        test.Remember();
        Assert.Equal(4, await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 2)));
    }

    [Fact]
    public async Task MaxMessageSize_refuses_larger_arguments_and_results_as_errors_of_that_call_only()
    {
        using TestPool test = new(options: new ProcessPoolOptions { Processes = 1, MaxMessageSize = 64 * 1024 });
        int worker = test.Pool.WorkerPids.Single();

        InvalidOperationException argument = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Deadline.Run(() => test.Pool.Apply(TestTasks.Reverse, new byte[100_000])));
        RemoteTaskException result = await Assert.ThrowsAsync<RemoteTaskException>(
            () => Deadline.Run(() => test.Pool.Apply(TestTasks.Bytes, 100_000)));

        output.WriteLine(argument.Message);
        output.WriteLine(result.Message);
        Assert.Contains("MaxMessageSize", argument.Message);
        Assert.Contains("MaxMessageSize", result.Message);
        Assert.Equal(60_000, (await Deadline.Run(() => test.Pool.Apply(TestTasks.Bytes, 60_000))).Length);
        Assert.Equal(worker, test.Pool.WorkerPids.Single());
    }

    [Fact]
    public async Task A_task_id_the_worker_does_not_know_fails_only_that_call()
    {
        using TestPool test = new(processes: 1);

        RemoteTaskException error = await Assert.ThrowsAsync<RemoteTaskException>(
            () => Deadline.Run(() => test.Pool.Apply(TestTasks.Unknown, 1)));

        Assert.Contains("not registered", error.Message);
        Assert.Equal(4, await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 2)));
    }

    [Fact]
    public async Task Retries_rerun_a_call_whose_worker_was_killed()
    {
        using TestPool test = new(processes: 2);
        await test.Pool.WaitForWorkersAsync(); // a call that had not started when its worker died is not a crash: it just runs elsewhere
        AsyncResult<int> slow = test.Pool.ApplyAsync(TestTasks.Sleep, 2_000);
        await Task.Delay(500);

        // Kill whichever worker holds the slow call: the one that is busy.
        foreach (int pid in test.Pool.WorkerPids)
        {
            Processes.Kill(pid);
        }

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => slow.AsTask().WaitAsync(Deadline.Default));
        Assert.Equal(-9, crash.ExitCode);

        // The same kind of kill with a retrying task: the call completes on a replacement worker.
        AsyncResult<int> retried = test.Pool.ApplyAsync(TestTasks.SquareWithRetries, 12);
        Assert.Equal(144, await retried.AsTask().WaitAsync(Deadline.Default));
        test.Remember();
    }
}
