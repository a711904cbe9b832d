using System.Diagnostics;

namespace ParallelGen.Orleans.Tests;

/// <summary>Every call shape of the pool, unchanged, on a cluster of two node processes: the same interceptors, errors and options.</summary>
public sealed class ClusterCallShapeTests(SharedCluster shared) : IClassFixture<SharedCluster>
{
    private ClusterPool Pool => shared.Pool;

    [Fact]
    public Task Map_Starmap_and_their_async_forms_with_chunk_size_and_progress() => Deadline.Run(async () =>
    {
        int[] data = [.. Enumerable.Range(0, 1000)];
        SynchronousProgress progress = new();

        int[] squares = Pool.Map(ClusterTasks.Square, data, chunkSize: 37, progress: progress);
        int[] again = await Pool.MapAsync(ClusterTasks.Square, data);
        long[] sums = Pool.Starmap(ClusterTasks.Add, data.Select(x => (x, (long)x)));
        long[] sumsAsync = await Pool.StarmapAsync(ClusterTasks.Add, data.Select(x => (x, 1L)), chunkSize: 100);

        Assert.Equal(data.Select(x => x * x), squares);
        Assert.Equal(squares, again);
        Assert.Equal(data.Select(x => 2L * x), sums);
        Assert.Equal(data.Select(x => x + 1L), sumsAsync);
        PoolProgress last = progress.Reports[^1];
        Assert.Equal(1000, last.Completed);
        Assert.Equal(1000, last.Total);
    });

    [Fact]
    public Task Apply_and_ApplyAsync_with_callbacks() => Deadline.Run(async () =>
    {
        Assert.Equal(12L, Pool.Apply(ClusterTasks.Add, 5, 7L));

        int seen = 0;
        AsyncResult<int> result = Pool.ApplyAsync(ClusterTasks.Square, 9, callback: v => seen = v);
        Assert.Equal(81, result.Get(TimeSpan.FromSeconds(20)));
        Assert.Equal(81, seen);

        Exception? reported = null;
        AsyncResult<int> failing = Pool.ApplyAsync(ClusterTasks.Fail, "no", errorCallback: e => reported = e);
        RemoteTaskException error = Assert.Throws<RemoteTaskException>(() => failing.Get(TimeSpan.FromSeconds(20)));
        Assert.Same(error, reported);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteTypeName);
        Assert.Equal("no", error.Message);

        int[] many = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Pool.ApplyAsync(ClusterTasks.Square, i).AsTask()));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => i * i), many);
    });

    [Fact]
    public Task Imap_ImapUnordered_and_ImapAsync_over_lazy_input() => Deadline.Run(async () =>
    {
        static IEnumerable<int> Lazy()
        {
            for (int i = 0; i < 300; i++)
            {
                yield return i;
            }
        }

        Assert.Equal(Lazy().Select(x => x * x), Pool.Imap(ClusterTasks.Square, Lazy(), chunkSize: 7));
        Assert.Equal(Lazy().Select(x => x * x).Order(), Pool.ImapUnordered(ClusterTasks.Square, Lazy()).Order());
        List<int> streamed = [];
        await foreach (int x in Pool.ImapAsync(ClusterTasks.Square, Lazy(), chunkSize: 10))
        {
            streamed.Add(x);
        }

        Assert.Equal(Lazy().Select(x => x * x), streamed);
    });

    [Fact]
    public Task A_task_exception_in_a_map_names_the_item() => Deadline.Run(() =>
    {
        string[] messages = ["a", "b", "c", "boom"];
        RemoteTaskException error = Assert.Throws<RemoteTaskException>(() => Pool.Map(ClusterTasks.Fail, messages, chunkSize: 1));
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteTypeName);
        Assert.NotNull(error.InputIndex);
        Assert.Equal(messages[(int)error.InputIndex!.Value], error.Message);
    });

    [Fact]
    public Task Cancellation_reaches_the_task_on_its_node() => Deadline.Run(async () =>
    {
        string marker = Path.Combine(Path.GetTempPath(), $"pg-cancel-{Guid.NewGuid():N}");
        using CancellationTokenSource cancel = new();
        AsyncResult<int> call = Pool.ApplyAsync(ClusterTasks.WaitOrNoteCancel, marker, 30_000, cancellationToken: cancel.Token);
        await Task.Delay(1000);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await call);
        Stopwatch waited = Stopwatch.StartNew();
        while (!File.Exists(marker) && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        Assert.True(File.Exists(marker), "the task on the node never saw its token fire");
        File.Delete(marker);
    });

    [Fact]
    public Task A_task_longer_than_Orleans_response_timeout_completes_and_one_past_the_task_timeout_fails() => Deadline.Run(async () =>
    {
        int slow = (int)(SharedCluster.ResponseTimeout.TotalMilliseconds * 1.7);
        Assert.Equal(slow, await Pool.ApplyAsync(ClusterTasks.Sleep, slow));

        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(async () =>
            await Pool.ApplyAsync(ClusterTasks.Sleep, (int)SharedCluster.TaskTimeout.TotalMilliseconds + 3000));
        Assert.Contains("TaskTimeout", timeout.Message);
        Assert.Equal(4, await Pool.ApplyAsync(ClusterTasks.Square, 2));
    });

    [Fact]
    public Task A_crashed_worker_on_a_node_fails_its_call_and_the_node_lives_on() => Deadline.Run(async () =>
    {
        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await Pool.ApplyAsync(ClusterTasks.CrashWorker, 42));
        Assert.IsNotType<NodeLostException>(crash);
        Assert.Equal(42, crash.ExitCode);
        Assert.Contains("on node node-", crash.Message);

        Assert.Equal(2, Pool.Nodes.Count);
        Assert.Equal(Enumerable.Range(0, 50).Select(x => x * x), await Pool.MapAsync(ClusterTasks.Square, Enumerable.Range(0, 50), chunkSize: 1));
    });

    [Fact]
    public Task The_initializer_runs_in_every_worker_of_every_node() => Deadline.Run(async () =>
    {
        string[] seen = await Pool.MapAsync(ClusterTasks.ReadSetup, Enumerable.Range(0, 40), chunkSize: 1);
        Assert.All(seen, s => Assert.Equal("initialized", s));
    });

    [Fact]
    public Task Payloads_above_the_message_limit_fail_clearly_and_many_below_it_all_arrive() => Deadline.Run(async () =>
    {
        InvalidOperationException tooLarge = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Pool.ApplyAsync(ClusterTasks.Echo, new byte[SharedCluster.MaxMessageSize + 1]));
        Assert.Contains("MaxMessageSize", tooLarge.Message);

        RemoteTaskException resultTooLarge = await Assert.ThrowsAsync<RemoteTaskException>(async () =>
            await Pool.ApplyAsync(ClusterTasks.Allocate, SharedCluster.MaxMessageSize + 1));
        Assert.Contains("MaxMessageSize", resultTooLarge.Message);

        // 40 × 200 KiB: several megabytes in flight, cut into many cluster messages both ways.
        byte[][] blobs = [.. Enumerable.Range(0, 40).Select(i => Enumerable.Repeat((byte)i, 200 * 1024).ToArray())];
        byte[][] echoed = await Pool.MapAsync(ClusterTasks.Echo, blobs, chunkSize: 1);
        Assert.Equal(blobs, echoed);
    });

    [Fact]
    public Task The_pool_reports_the_nodes_and_their_workers() => Deadline.Run(async () =>
    {
        await Pool.WaitForWorkersAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, Pool.Processes);
        Assert.Equal(["node-1", "node-2"], Pool.Nodes.Select(n => n.Name));
        Assert.All(Pool.Nodes, n => Assert.Equal(1, n.Workers));
        Assert.Empty(Pool.RefusedNodes);
    });
}
