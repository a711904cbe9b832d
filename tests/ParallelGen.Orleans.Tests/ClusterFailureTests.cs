using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.Orleans.Tests;

/// <summary>Nodes lost with <c>kill -9</c> in the middle of a call: a coordinator in this process, node processes of their own, on loopback.</summary>
public sealed class ClusterFailureTests(ITestOutputHelper output)
{
    [Fact]
    public Task Kill_9_of_a_node_mid_map_fails_the_map_with_NodeLostException_within_the_detection_time() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync();
        await cluster.StartNodesAsync(2);

        SynchronousProgress progress = new();
        Task<Placement[]> map = cluster.Pool.MapAsync(ClusterTasks.SlowWhere, Enumerable.Range(0, 150), chunkSize: 1, progress: progress);
        await WhenCompleted(progress, 10);
        Assert.False(map.IsCompleted);
        Stopwatch sinceKill = Stopwatch.StartNew();
        cluster.Nodes[0].KillHard();

        NodeLostException lost = await Assert.ThrowsAsync<NodeLostException>(() => map);
        output.WriteLine($"node loss reported {sinceKill.ElapsedMilliseconds} ms after kill -9: {lost.Message}");
        Assert.Equal("node-1", lost.Node.Name);
        Assert.Contains(nameof(ClusterTasks.SlowWhere), lost.Message);
        Assert.True(sinceKill.Elapsed < TimeSpan.FromSeconds(20), $"detected after {sinceKill.Elapsed}");

        // The survivor serves the next call.
        Assert.Equal(49, await cluster.Pool.ApplyAsync(ClusterTasks.Square, 7));
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task Kill_9_of_a_node_mid_map_with_retries_loses_and_duplicates_nothing() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync();
        await cluster.StartNodesAsync(2);

        SynchronousProgress progress = new();
        Task<Placement[]> map = cluster.Pool.MapAsync(ClusterTasks.RetriedSlowWhere, Enumerable.Range(0, 150), chunkSize: 1, progress: progress);
        await WhenCompleted(progress, 10);
        Assert.False(map.IsCompleted);
        cluster.Nodes[0].KillHard();
        Placement[] results = await map;

        Assert.Equal(Enumerable.Range(0, 150).Select(x => x * x), results.Select(r => r.Value));
        Assert.Contains(results, r => r.Node == "node-1");
        Assert.Contains(results, r => r.Node == "node-2");
        Assert.Equal(["node-2"], cluster.Pool.Nodes.Select(n => n.Name));
    }, TimeSpan.FromSeconds(90));

    private static async Task WhenCompleted(SynchronousProgress progress, int items)
    {
        while (progress.Reports is not [.., { Completed: var done }] || done < items)
        {
            await Task.Delay(10);
        }
    }
}
