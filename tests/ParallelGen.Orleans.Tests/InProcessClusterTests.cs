namespace ParallelGen.Orleans.Tests;

/// <summary>
/// The cluster backend on an Orleans cluster in this process (the nodes' worker processes are real): dispatch,
/// placement by credit, a node that joins mid-call, and node loss.
/// </summary>
public sealed class InProcessClusterTests
{
    [Fact]
    public Task A_map_is_spread_over_every_node_and_the_coordinator_runs_nothing() => Deadline.Run(async () =>
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(nodes: 2);

        Placement[] results = await cluster.Pool.MapAsync(ClusterTasks.SlowWhere, Enumerable.Range(0, 40), chunkSize: 1);

        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), results.Select(r => r.Value));
        string[] nodes = [.. results.Select(r => cluster.NodeOf(r.WorkerPid)).Distinct().Order()];
        Assert.Equal([.. cluster.Nodes.Keys.Order()], nodes);

        // One lane per node worker: the pool's capacity is the nodes' workers, no more.
        Assert.Equal(2, cluster.Pool.Processes);
        Assert.Equal(2, cluster.Pool.Nodes.Count);
    });

    [Fact]
    public Task A_node_that_joins_in_the_middle_of_a_map_gets_work_at_once() => Deadline.Run(async () =>
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(nodes: 1);
        string first = cluster.Nodes.Keys.Single();

        Task<Placement[]> map = cluster.Pool.MapAsync(ClusterTasks.SlowWhere, Enumerable.Range(0, 150), chunkSize: 1);
        string joined = await cluster.AddNodeAsync();
        Placement[] results = await map;
        cluster.RememberWorkers();

        Assert.Equal(Enumerable.Range(0, 150).Select(x => x * x), results.Select(r => r.Value));
        Assert.Contains(results, r => cluster.NodeOf(r.WorkerPid) == joined);
        Assert.Contains(results, r => cluster.NodeOf(r.WorkerPid) == first);
    });

    [Fact]
    public Task A_lost_node_fails_the_calls_it_held_with_NodeLostException_and_the_pool_goes_on() => Deadline.Run(async () =>
    {
        await using InProcessCluster cluster = await InProcessCluster.StartAsync(nodes: 2);
        string victim = cluster.Nodes.Keys.Order().First();

        // Long calls on both nodes: the one on the victim is lost with it.
        Task<int>[] calls = [.. Enumerable.Range(0, 2).Select(_ => cluster.Pool.ApplyAsync(ClusterTasks.Sleep, 3000).AsTask())];
        await Task.Delay(500);
        await cluster.KillNodeAsync(victim);

        Exception[] failures = [.. (await Task.WhenAll(calls.Select(async c => await Record.ExceptionAsync(() => c))))
            .Where(e => e is not null)!];
        NodeLostException lost = Assert.IsType<NodeLostException>(Assert.Single(failures));
        Assert.Equal(victim, lost.Node.Name);
        Assert.IsAssignableFrom<WorkerCrashedException>(lost);

        // The survivor serves the next call.
        Assert.Equal(49, await cluster.Pool.ApplyAsync(ClusterTasks.Square, 7));
        Assert.Single(cluster.Pool.Nodes);
    }, TimeSpan.FromSeconds(90));
}
