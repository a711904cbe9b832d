using Xunit.Abstractions;

namespace ParallelGen.Tests;

public sealed class PoolLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Close_rejects_new_work_and_Join_waits_for_the_workers_to_exit()
    {
        using TestPool test = new();
        Task<int[]> running = test.Pool.MapAsync(TestTasks.Sleep, [100, 100, 100, 100]);
        IReadOnlyList<int> pids = test.Pool.WorkerPids;

        test.Pool.Close();
        InvalidOperationException rejected = Assert.Throws<InvalidOperationException>(() => test.Pool.ApplyAsync(TestTasks.Square, 1));
        await test.Pool.JoinAsync().WaitAsync(Deadline.Default);

        output.WriteLine(rejected.Message);
        Assert.StartsWith("The pool is closed: Close() was called", rejected.Message);
        Assert.Equal(new[] { 100, 100, 100, 100 }, await running);
        Assert.All(pids, pid => Assert.False(Processes.IsAlive(pid)));
    }

    [Fact]
    public void Join_before_Close_is_an_error()
    {
        using TestPool test = new();

        Assert.Throws<InvalidOperationException>(() => test.Pool.Join());
    }

    [Fact]
    public async Task Terminate_fails_pending_calls_and_kills_the_workers()
    {
        using TestPool test = new();
        IReadOnlyList<int> pids = test.Pool.WorkerPids;
        Task<int[]> running = test.Pool.MapAsync(TestTasks.Sleep, [.. Enumerable.Repeat(5_000, 8)], chunkSize: 1);
        await Task.Delay(200);

        test.Pool.Terminate();

        OperationCanceledException error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Deadline.Default));
        output.WriteLine(error.Message);
        Assert.True(test.Pool.Join(TimeSpan.FromSeconds(10)));
        Assert.All(pids, pid => Assert.False(Processes.IsAlive(pid)));
        Assert.Throws<ObjectDisposedException>(() => test.Pool.ApplyAsync(TestTasks.Square, 1));
    }

    [Fact]
    public async Task Terminate_fails_the_calls_a_worker_had_been_sent_but_not_started()
    {
        using TestPool test = new(processes: 1);
        for (int round = 0; round < 8; round++)
        {
            // Bursts of quick calls open the worker's window: it is then sent several calls at once.
            await Task.WhenAll(Enumerable.Range(0, 64).Select(i => test.Pool.ApplyAsync(TestTasks.Square, i).AsTask()));
        }

        AsyncResult<int> running = test.Pool.ApplyAsync(TestTasks.Sleep, 5_000);
        AsyncResult<int>[] behind = [.. Enumerable.Range(0, 4).Select(i => test.Pool.ApplyAsync(TestTasks.Square, i))];
        await Task.Delay(200);

        test.Pool.Terminate();

        foreach (AsyncResult<int> call in behind.Prepend(running))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.AsTask().WaitAsync(Deadline.Default));
        }
    }

    [Fact]
    public async Task Dispose_terminates_failing_running_and_queued_calls()
    {
        // Not reused: on a loaded machine the worker may still be starting at Dispose, and would be parked for the next pool.
        ProcessPool pool = new(new ProcessPoolOptions { Processes = 1, ReuseWorkers = false });
        IReadOnlyList<int> pids = pool.WorkerPids;
        AsyncResult<int> running = pool.ApplyAsync(TestTasks.Sleep, 5_000);
        AsyncResult<int> queued = pool.ApplyAsync(TestTasks.Sleep, 5_000);
        await Task.Delay(200);

        pool.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.AsTask().WaitAsync(Deadline.Default));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.AsTask().WaitAsync(Deadline.Default));
        Assert.Throws<ObjectDisposedException>(() => pool.ApplyAsync(TestTasks.Square, 1));
        Processes.AssertAllExited(pids, TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData(1000, 2, 125)]
    [InlineData(1001, 2, 126)]
    [InlineData(17, 4, 2)]
    [InlineData(3, 8, 1)]
    [InlineData(1, 1, 1)]
    public void The_default_chunk_size_is_items_over_four_times_the_workers_rounded_up(int items, int workers, int expected) =>
        Assert.Equal(expected, ProcessPool.DefaultChunkSize(items, workers));

    [Fact]
    public async Task DisposeAsync_lets_queued_work_finish()
    {
        ProcessPool pool = new(new ProcessPoolOptions { Processes = 2, ReuseWorkers = false });
        IReadOnlyList<int> pids = pool.WorkerPids;
        Task<int[]> running = pool.MapAsync(TestTasks.Sleep, [50, 50, 50, 50, 50], chunkSize: 1);

        await pool.DisposeAsync().AsTask().WaitAsync(Deadline.Default);

        Assert.True(running.IsCompletedSuccessfully);
        Processes.AssertAllExited(pids, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task MaxTasksPerWorker_retires_workers_without_losing_tasks()
    {
        using TestPool test = new(options: new ProcessPoolOptions { Processes = 2, MaxTasksPerWorker = 5 });

        int[] pids = await Deadline.Run(() => test.Pool.Map(TestTasks.Pid, Enumerable.Range(0, 100)));

        int distinct = pids.Distinct().Count();
        output.WriteLine($"100 tasks ran in {distinct} distinct workers");
        Assert.Equal(100, pids.Length);
        Assert.True(distinct >= 20, $"expected at least 20 workers, saw {distinct}");
        foreach (int pid in pids.Distinct())
        {
            Assert.True(pids.Count(p => p == pid) <= 5);
        }
    }

    [Fact]
    public async Task Cancelling_MapAsync_returns_promptly_and_leaves_the_pool_usable()
    {
        using TestPool test = new();
        using CancellationTokenSource cancellation = new();
        Task<int[]> running = test.Pool.MapAsync(TestTasks.Sleep, [.. Enumerable.Repeat(10, 10_000)], cancellationToken: cancellation.Token);
        await Task.Delay(300);

        System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Deadline.Default));
        int after = await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 5));

        output.WriteLine($"cancelled and served the next call in {watch.ElapsedMilliseconds} ms");
        Assert.Equal(25, after);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Cancellation_reaches_a_running_task_that_takes_a_token()
    {
        using TestPool test = new(processes: 1);
        using CancellationTokenSource cancellation = new();
        AsyncResult<int> running = test.Pool.ApplyAsync(TestTasks.SleepUntilCancelled, 30_000, cancellationToken: cancellation.Token);
        await Task.Delay(300);

        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.AsTask().WaitAsync(Deadline.Default));

        // The worker was freed by the token, not by waiting 30 s: the next call is served at once.
        Assert.Equal(9, await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 3), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task AsyncResult_Get_with_a_timeout_throws_TimeoutException_on_a_slow_task()
    {
        using TestPool test = new(processes: 1);
        AsyncResult<int> slow = test.Pool.ApplyAsync(TestTasks.Sleep, 3_000);

        await Deadline.Run(() => Assert.Throws<TimeoutException>(() => slow.Get(TimeSpan.FromMilliseconds(200))));

        Assert.False(slow.Ready);
        Assert.Throws<InvalidOperationException>(() => slow.Successful);
        Assert.Equal(3_000, await Deadline.Run(() => slow.Get()));
    }
}
