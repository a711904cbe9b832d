namespace ParallelGen.Orleans.Tests;

/// <summary>Nodes that join, nodes that are refused, and Redis membership: a coordinator in this process, node processes of their own, on loopback.</summary>
public sealed class ClusterMembershipTests
{
    [Fact]
    public Task A_node_that_joins_mid_map_receives_work() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync();
        await cluster.StartNodesAsync(1);
        string gate = Path.Combine(Path.GetTempPath(), $"pg-gate-{Guid.NewGuid():N}");

        // Every item waits at the gate, so the call is still running when the second node comes.
        Task<Placement[]> map = cluster.Pool.StarmapAsync(ClusterTasks.WhereWhenOpen, Enumerable.Range(0, 40).Select(x => (gate, x)), chunkSize: 1);
        cluster.StartNode("node-2");
        await cluster.WaitForNodesAsync(2);
        Assert.False(map.IsCompleted);
        await Task.Delay(200);
        File.WriteAllText(gate, "open");
        Placement[] results = await map;
        File.Delete(gate);

        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), results.Select(r => r.Value));
        Assert.Contains(results, r => r.Node == "node-2");
        Assert.Contains(results, r => r.Node == "node-1");
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task A_node_built_from_different_code_is_refused_with_a_clear_error() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync();
        await cluster.StartNodesAsync(1);
        NodeProcess other = cluster.StartNode("other", otherBuild: true);

        Assert.True(other.WaitForExit(TimeSpan.FromSeconds(30)), "the refused node did not exit");
        Assert.Equal(3, other.ExitCode);
        Assert.Contains("built from different code", other.Output);
        string refusal = Assert.Single(cluster.Pool.RefusedNodes);
        Assert.Contains("ParallelGen.Orleans.TestNode is build", refusal);
        Assert.Contains("Start every node from the same build", refusal);

        // Nothing ran there: the pool goes on with the good node only.
        Placement[] results = await cluster.Pool.MapAsync(ClusterTasks.Where, Enumerable.Range(0, 20), chunkSize: 1);
        Assert.All(results, r => Assert.Equal("node-1", r.Node));
        Assert.Equal(["node-1"], cluster.Pool.Nodes.Select(n => n.Name));
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task The_same_with_Redis_membership() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync(redis: RedisServer.Address);
        await cluster.StartNodesAsync(2);

        Placement[] results = await cluster.Pool.MapAsync(ClusterTasks.Where, Enumerable.Range(0, 100), chunkSize: 2);

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), results.Select(r => r.Value));
        Assert.Equal(["node-1", "node-2"], results.Select(r => r.Node).Distinct().Order());
    }, TimeSpan.FromSeconds(90));
}
