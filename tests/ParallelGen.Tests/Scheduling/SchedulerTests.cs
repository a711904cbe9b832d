using Microsoft.Extensions.Time.Testing;

namespace ParallelGen.Tests.Scheduling;

/// <summary>
/// The pool's scheduling and failure policy against a <see cref="FakeBackend"/>: no process is started, every worker
/// event happens when the test says so, and time moves only when the test advances it.
/// </summary>
public sealed class SchedulerTests
{
    private static readonly TimeSpan Short = TimeSpan.FromTicks(1);      // under the 0.2 ms that grows a window
    private static readonly TimeSpan Long = TimeSpan.FromMilliseconds(5); // over the 2 ms that shrinks it

    [Fact]
    public async Task Work_waits_for_a_worker_to_be_ready_then_goes_to_it()
    {
        using FakePool test = new(processes: 1);
        AsyncResult<int> result = test.Pool.ApplyAsync(TestTasks.Square, 7);
        FakeWorker worker = test.Backend.Launched.Single();
        Assert.True(worker.Started);
        Assert.Equal(0, worker.Pending);

        worker.Ready();
        Assert.Equal(1, worker.Pending);
        worker.RunNext();

        Assert.Equal(49, await result.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public void The_window_doubles_while_runs_are_short_up_to_128_and_falls_to_two_after_a_long_one()
    {
        using FakePool test = new(processes: 1);
        for (int i = 0; i < 400; i++)
        {
            test.Pool.ApplyAsync(TestTasks.Square, i);
        }

        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        List<int> pending = [worker.Pending];
        for (int i = 0; i < 8; i++)
        {
            worker.RunNext(Short);
            pending.Add(worker.Pending);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 128], pending);

        // A long run: nothing more is sent until fewer than two are left in the worker, then it keeps two.
        worker.RunNext(Long);
        Assert.Equal(127, worker.Pending);
        for (int expected = 126; expected >= 2; expected--)
        {
            worker.RunNext(Long);
            Assert.Equal(expected, worker.Pending);
        }

        worker.RunNext(Long);
        Assert.Equal(2, worker.Pending);
        worker.RunNext(Long);
        Assert.Equal(2, worker.Pending);
    }

    [Fact]
    public async Task Work_goes_to_the_worker_with_the_most_room()
    {
        using FakePool test = new(processes: 2);
        test.Backend.AllReady();
        (FakeWorker first, FakeWorker second) = (test.Backend.Launched[0], test.Backend.Launched[1]);
        AsyncResult<int> a = test.Pool.ApplyAsync(TestTasks.Square, 2);
        AsyncResult<int> b = test.Pool.ApplyAsync(TestTasks.Square, 3);

        Assert.Equal(1, first.Pending);
        Assert.Equal(1, second.Pending);
        first.RunNext();
        second.RunNext();
        Assert.Equal(4, await a.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal(9, await b.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task A_worker_that_crashes_mid_chunk_fails_the_map_and_is_replaced()
    {
        using FakePool test = new(processes: 1);
        Task<int[]> map = test.Pool.MapAsync(TestTasks.Square, Enumerable.Range(0, 8), chunkSize: 4);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        worker.RunNext(Short);
        worker.StartNext(); // the second chunk is running when the worker dies
        worker.Exit(-11);

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => map.WaitAsync(FakePool.Wait));
        Assert.Equal(worker.Id, crash.WorkerPid);
        Assert.Equal(-11, crash.ExitCode);
        Assert.Contains("Work.Square(int)", crash.Message);

        FakeWorker replacement = test.Backend.Launched[1];
        replacement.Ready();
        AsyncResult<int> next = test.Pool.ApplyAsync(TestTasks.Square, 5);
        replacement.RunNext();
        Assert.Equal(25, await next.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task A_task_with_retries_is_run_again_on_another_worker_after_a_crash()
    {
        using FakePool test = new(processes: 2);
        test.Backend.AllReady();
        AsyncResult<int> result = test.Pool.ApplyAsync(TestTasks.SquareWithRetries, 6);
        FakeWorker crashed = test.Backend.Launched.Single(w => w.Pending == 1);
        FakeWorker other = test.Backend.Launched.Single(w => w.Pending == 0);

        crashed.Exit(-9, "killed by a test");

        Assert.Equal(1, other.Pending);
        other.RunNext();
        Assert.Equal(36, await result.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task A_call_the_worker_never_received_is_sent_to_another_worker_without_counting_a_crash()
    {
        using FakePool test = new(processes: 2);
        test.Backend.AllReady();
        (FakeWorker first, FakeWorker second) = (test.Backend.Launched[0], test.Backend.Launched[1]);
        first.SendFindsItGone = true; // it died after the pool picked it, before the call was written
        AsyncResult<int> result = test.Pool.ApplyAsync(TestTasks.Square, 4); // no retries: a crash would fail it

        Assert.Equal(0, first.Pending);
        Assert.Equal(1, second.Pending);
        first.Exit(-9);
        second.RunNext();
        Assert.Equal(16, await result.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal(3, test.Backend.Launched.Count); // the dead one was replaced
    }

    [Fact]
    public async Task A_worker_stuck_past_the_task_timeout_is_killed_by_the_parent_and_its_call_times_out()
    {
        using FakePool test = new(processes: 1, options => options.TaskTimeout = TimeSpan.FromSeconds(1));
        AsyncResult<int> result = test.Pool.ApplyAsync(TestTasks.Square, 3);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        Assert.Equal(1, worker.Pending);

        // The worker's own watchdog should have stopped it after 1 s; the parent gives it one more second.
        test.Time.Advance(TimeSpan.FromMilliseconds(1900));
        Assert.False(worker.Killed);
        test.Time.Advance(TimeSpan.FromMilliseconds(1200));

        Assert.True(worker.Killed);
        Assert.Contains("did not stop itself", worker.KillReason);
        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(() => result.AsTask().WaitAsync(FakePool.Wait));
        Assert.Contains("TaskTimeout", timeout.Message);
        Assert.Equal(2, test.Backend.Launched.Count);
    }

    [Fact]
    public async Task A_worker_that_times_out_fails_that_call_only_and_the_calls_queued_behind_it_run_elsewhere()
    {
        using FakePool test = new(processes: 1, options => options.TaskTimeout = TimeSpan.FromSeconds(1));
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        for (int i = 0; i < 3; i++) // quick calls first, so that the window lets a second call queue behind the stuck one
        {
            _ = test.Pool.ApplyAsync(TestTasks.Square, i);
            worker.RunNext(Short);
        }

        AsyncResult<int> stuck = test.Pool.ApplyAsync(TestTasks.Square, 10);
        AsyncResult<int> queued = test.Pool.ApplyAsync(TestTasks.Square, 11);
        Assert.Equal(2, worker.Pending);

        worker.ReportTimedOut(worker.PendingRunIds[0]);
        worker.Exit(124);

        await Assert.ThrowsAsync<TimeoutException>(() => stuck.AsTask().WaitAsync(FakePool.Wait));
        FakeWorker replacement = test.Backend.Launched[1];
        replacement.Ready();
        replacement.RunNext();
        Assert.Equal(121, await queued.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task A_worker_killed_from_outside_while_starting_is_replaced_without_counting_as_a_failed_start()
    {
        using FakePool test = new(processes: 1);
        AsyncResult<int> queued = test.Pool.ApplyAsync(TestTasks.Square, 2);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            test.Backend.Launched[attempt].Exit(-9); // SIGKILL with no reason of the pool's
        }

        FakeWorker survivor = test.Backend.Launched[5];
        survivor.Ready();
        survivor.RunNext();
        Assert.Equal(4, await queued.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public void A_worker_that_does_not_report_ready_within_the_start_timeout_is_killed_and_replaced()
    {
        using FakePool test = new(processes: 1, options => options.WorkerStartTimeout = TimeSpan.FromSeconds(10));
        FakeWorker slow = test.Backend.Launched.Single();
        test.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(slow.Killed);

        test.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.True(slow.Killed);
        Assert.Contains("did not report ready within ProcessPoolOptions.WorkerStartTimeout", slow.KillReason);
        Assert.Equal(2, test.Backend.Launched.Count);
    }

    [Fact]
    public async Task The_initializer_runs_first_and_a_worker_gets_work_only_once_it_returned()
    {
        using FakePool test = new(processes: 1, options => options.Initializer = PoolInitializer.Create(TestTasks.Square, 1));
        AsyncResult<int> result = test.Pool.ApplyAsync(TestTasks.Square, 8);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        Assert.Equal(1, worker.Pending); // the initializer alone

        worker.RunNext();
        Assert.Equal(1, worker.Pending); // now the call
        worker.RunNext();
        Assert.Equal(64, await result.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public void A_failing_initializer_stops_its_worker_with_the_initializer_s_error()
    {
        using FakePool test = new(processes: 1, options => options.Initializer = PoolInitializer.Create(TestTasks.Fail, 13));
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        worker.RunNext();

        Assert.True(worker.Killed);
        Assert.Contains("the initializer Work.Fail(int) threw System.InvalidOperationException: unlucky 13", worker.KillReason);
        Assert.Equal(2, test.Backend.Launched.Count);
    }

    [Fact]
    public async Task A_worker_that_reached_MaxTasksPerWorker_finishes_its_work_shuts_down_and_is_replaced()
    {
        using FakePool test = new(processes: 1, options => options.MaxTasksPerWorker = 3);
        Task<int[]> map = test.Pool.MapAsync(TestTasks.Square, Enumerable.Range(1, 5), chunkSize: 1);
        FakeWorker first = test.Backend.Launched.Single();
        first.Ready();
        first.RunAll(Short);
        Assert.True(first.ShutdownRequested);
        first.Exit(0);

        FakeWorker second = test.Backend.Launched[1];
        second.Ready();
        second.RunAll(Short);
        Assert.Equal(new[] { 1, 4, 9, 16, 25 }, await map.WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task Cancelling_a_map_drops_its_queued_chunks_and_tells_the_running_one_to_stop()
    {
        using FakePool test = new(processes: 1);
        using CancellationTokenSource cancel = new();
        Task<int[]> map = test.Pool.MapAsync(TestTasks.Square, Enumerable.Range(0, 100), chunkSize: 10, cancellationToken: cancel.Token);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        long running = worker.RunNext(Short); // the window grows to 2: two chunks in the worker
        Assert.Equal(2, worker.Pending);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(FakePool.Wait));
        Assert.Equal(2, worker.Cancelled.Count);
        Assert.DoesNotContain(running, worker.Cancelled);
        worker.RunAll();
        AsyncResult<int> next = test.Pool.ApplyAsync(TestTasks.Square, 3);
        worker.RunNext();
        Assert.Equal(9, await next.AsTask().WaitAsync(FakePool.Wait));
    }

    [Fact]
    public async Task Terminating_while_a_worker_answers_fails_every_outstanding_call_and_starts_nothing()
    {
        using FakePool test = new(processes: 1);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        worker.RunAll(Short);
        Work.Hook = () => test.Pool.Terminate();
        AsyncResult<int> answered = test.Pool.ApplyAsync(TestTasks.Hook, 2);
        AsyncResult<int> queued = test.Pool.ApplyAsync(TestTasks.Square, 3);

        // The task terminates the pool while it runs: its answer is on its way as the worker is killed. As documented,
        // every call not completed by then fails, the running one included; none is left waiting.
        worker.RunNext(Short);

        await Assert.ThrowsAsync<OperationCanceledException>(() => answered.AsTask().WaitAsync(FakePool.Wait));
        await Assert.ThrowsAsync<OperationCanceledException>(() => queued.AsTask().WaitAsync(FakePool.Wait));
        Assert.True(test.Pool.Join(FakePool.Wait));
        Assert.Single(test.Backend.Launched);
        Assert.Throws<ObjectDisposedException>(() => test.Pool.ApplyAsync(TestTasks.Square, 4));
    }

    [Fact]
    public async Task A_closed_pool_finishes_its_work_then_shuts_every_worker_down()
    {
        using FakePool test = new(processes: 2);
        test.Backend.AllReady();
        Task<int[]> map = test.Pool.MapAsync(TestTasks.Square, Enumerable.Range(0, 4), chunkSize: 1);
        test.Pool.Close();
        Assert.Throws<InvalidOperationException>(() => test.Pool.ApplyAsync(TestTasks.Square, 1));
        Assert.All(test.Backend.Launched, w => Assert.False(w.ShutdownRequested));

        foreach (FakeWorker worker in test.Backend.Launched)
        {
            worker.RunAll(Short);
        }

        foreach (FakeWorker worker in test.Backend.Launched)
        {
            worker.RunAll(Short);
        }

        Assert.Equal(new[] { 0, 1, 4, 9 }, await map.WaitAsync(FakePool.Wait));
        Assert.All(test.Backend.Launched, w => Assert.True(w.ShutdownRequested));
        Task joined = test.Pool.JoinAsync();
        Assert.False(joined.IsCompleted);
        foreach (FakeWorker worker in test.Backend.Launched)
        {
            worker.Exit(0);
        }

        await joined.WaitAsync(FakePool.Wait);
        Assert.Equal(2, test.Backend.Launched.Count);
    }
}

/// <summary>A pool on a <see cref="FakeBackend"/> with a fake clock.</summary>
internal sealed class FakePool : IDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public FakePool(int processes, Action<ProcessPoolOptions>? configure = null, string? reuseKey = null)
    {
        Backend.ReuseKey = reuseKey;
        ProcessPoolOptions options = new() { Processes = processes };
        configure?.Invoke(options);
        Pool = new ProcessPool(options, Backend, Time);
    }

    public FakeBackend Backend { get; } = new();

    public FakeTimeProvider Time { get; } = new();

    public ProcessPool Pool { get; }

    public void Dispose() => Pool.Terminate();
}
