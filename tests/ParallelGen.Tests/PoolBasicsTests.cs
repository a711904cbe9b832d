using Xunit.Abstractions;

namespace ParallelGen.Tests;

public sealed class PoolBasicsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Map_returns_results_in_input_order()
    {
        using TestPool test = new();
        int[] data = [.. Enumerable.Range(-500, 10_000)];

        int[] squares = await Deadline.Run(() => test.Pool.Map(TestTasks.Square, data));

        Assert.Equal(data.Select(x => x * x), squares);
    }

    [Fact]
    public async Task Map_runs_in_worker_processes_not_in_the_caller()
    {
        using TestPool test = new();

        int[] pids = await Deadline.Run(() => test.Pool.Map(TestTasks.Pid, Enumerable.Range(0, 64), chunkSize: 1));

        output.WriteLine($"test pid {Environment.ProcessId}, task pids {string.Join(", ", pids.Distinct())}");
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.All(pids, pid => Assert.Contains(pid, test.Pool.WorkerPids));
    }

    [Fact]
    public async Task Map_accepts_lists_and_lazy_sequences()
    {
        using TestPool test = new();
        List<int> list = [1, 2, 3, 4, 5];

        int[] fromList = await Deadline.Run(() => test.Pool.Map(TestTasks.Square, list, chunkSize: 2));
        int[] fromLazy = await Deadline.Run(() => test.Pool.Map(TestTasks.Square, list.Select(x => x + 1), chunkSize: 2));
        int[] empty = await Deadline.Run(() => test.Pool.Map(TestTasks.Square, Array.Empty<int>()));

        Assert.Equal([1, 4, 9, 16, 25], fromList);
        Assert.Equal([4, 9, 16, 25, 36], fromLazy);
        Assert.Empty(empty);
    }

    [Fact]
    public async Task Apply_passes_several_arguments_as_a_tuple()
    {
        using TestPool test = new();

        long sum = await Deadline.Run(() => test.Pool.Apply(TestTasks.Add, (40, 2_000_000_000_000L)));

        Assert.Equal(2_000_000_000_040L, sum);
    }

    [Fact]
    public async Task ApplyAsync_is_awaitable_and_runs_callbacks_in_the_parent()
    {
        using TestPool test = new();
        int callbackPid = 0;
        int callbackValue = 0;

        AsyncResult<int> result = test.Pool.ApplyAsync(TestTasks.Pid, 0, callback: v =>
        {
            callbackPid = Environment.ProcessId;
            callbackValue = v;
        });
        int workerPid = await result.AsTask().WaitAsync(Deadline.Default);

        Assert.True(result.Ready);
        Assert.True(result.Successful);
        Assert.Equal(Environment.ProcessId, callbackPid);
        Assert.Equal(workerPid, callbackValue);
        Assert.NotEqual(Environment.ProcessId, workerPid);
    }

    [Fact]
    public async Task ApplyAsync_error_callback_runs_in_the_parent_before_the_result_is_ready()
    {
        using TestPool test = new();
        Exception? seen = null;

        AsyncResult<int> result = test.Pool.ApplyAsync(TestTasks.Fail, 13, errorCallback: e => seen = e);

        await Assert.ThrowsAsync<RemoteTaskException>(() => result.AsTask().WaitAsync(Deadline.Default));
        Assert.IsType<RemoteTaskException>(seen);
        Assert.False(result.Successful);
    }

    [Fact]
    public async Task Async_tasks_are_awaited_in_the_worker()
    {
        using TestPool test = new();

        string[] echoes = await test.Pool.MapAsync(TestTasks.EchoAsync, ["a", "b", "c"]).WaitAsync(Deadline.Default);

        Assert.Equal(["a!", "b!", "c!"], echoes);
    }

    [Fact]
    public async Task Tasks_that_return_nothing_complete()
    {
        using TestPool test = new();

        Unit[] done = await test.Pool.MapAsync(TestTasks.Nothing, Enumerable.Range(0, 100)).WaitAsync(Deadline.Default);

        Assert.Equal(100, done.Length);
    }

    [Fact]
    public async Task Large_payloads_cross_both_ways_intact()
    {
        using TestPool test = new();
        byte[] data = new byte[8 * 1024 * 1024];
        new Random(42).NextBytes(data);

        byte[] reversed = await Deadline.Run(() => test.Pool.Apply(TestTasks.Reverse, data));

        Assert.Equal(data.Reverse(), reversed);
    }

    [Fact]
    public async Task A_static_field_changed_in_a_task_is_not_visible_in_the_parent()
    {
        using TestPool test = new(processes: 1);

        int[] inWorker = await Deadline.Run(() => test.Pool.Map(TestTasks.IncrementCounter, [1, 1, 1], chunkSize: 1));

        Assert.Equal([1, 2, 3], inWorker);
        Assert.Equal(0, Work.Counter);
    }

    [Fact]
    public async Task Workers_run_without_background_GC_unless_the_parent_asks_for_it()
    {
        // Background GC throttles large allocations while it runs; workers do batch work and turn it off.
        using TestPool test = new(processes: 1);

        int mode = await Deadline.Run(() => test.Pool.Apply(TestTasks.GcLatencyMode, 0));

        Assert.Equal(System.Runtime.GCLatencyMode.Batch, (System.Runtime.GCLatencyMode)mode);
    }

    [Fact]
    public async Task Progress_reaches_the_total()
    {
        using TestPool test = new();
        SynchronousProgress progress = new();

        await Deadline.Run(() => test.Pool.Map(TestTasks.Square, Enumerable.Range(0, 1000), chunkSize: 10, progress: progress));

        PoolProgress[] reports = progress.Reports;
        PoolProgress last = reports[^1];
        Assert.Equal(1000, last.Completed);
        Assert.Equal(1000, last.Total);
        Assert.Equal(1.0, last.Fraction);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Completed <= p.Second.Completed), "progress went backwards");
    }
}
