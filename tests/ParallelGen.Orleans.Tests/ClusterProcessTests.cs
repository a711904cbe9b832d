namespace ParallelGen.Orleans.Tests;

/// <summary>The real thing: a coordinator in this process and worker nodes in processes of their own, on loopback.</summary>
public sealed class ClusterProcessTests
{
    [Fact]
    public Task Map_runs_on_both_nodes_and_returns_every_result_in_order() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync();
        await cluster.StartNodesAsync(2);

        int[] data = [.. Enumerable.Range(0, 200)];
        Placement[] results = await cluster.Pool.MapAsync(ClusterTasks.Where, data, chunkSize: 5);

        Assert.Equal(data.Select(x => x * x), results.Select(r => r.Value));
        Assert.Equal(["node-1", "node-2"], results.Select(r => r.Node).Distinct().Order());
        Assert.All(results, r => Assert.NotEqual(Environment.ProcessId, r.WorkerPid));
    });
}
