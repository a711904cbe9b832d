using System.Diagnostics;
using ParallelGen.Grains;
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

    [Fact]
    public Task A_batch_lost_on_its_way_to_a_node_and_one_lost_on_its_way_back_are_sent_again_and_the_map_completes() => Deadline.Run(async () =>
    {
        // Orleans delivers one-way messages at most once: when a silo dies, the activations whose directory entries it
        // held are deactivated, and a message that reaches one then can be dropped. A lost batch must not stall the link.
        BatchLoss loss = new();
        await using TestCoordinator cluster = await TestCoordinator.StartAsync(new ClusterPoolOptions { ConfigureSilo = loss.Install });
        await cluster.StartNodesAsync(1);

        loss.Arm();
        Stopwatch watch = Stopwatch.StartNew();
        Placement[] results = await cluster.Pool.MapAsync(ClusterTasks.SlowWhere, Enumerable.Range(0, 40), chunkSize: 1);

        output.WriteLine($"Map of 40 completed in {watch.ElapsedMilliseconds} ms after batch {loss.ToNode} to the node and batch {loss.ToCoordinator} to the coordinator were dropped");
        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), results.Select(r => r.Value));
        Assert.NotEqual(0, loss.ToNode);
        Assert.NotEqual(0, loss.ToCoordinator);
    }, TimeSpan.FromSeconds(60));

    private static async Task WhenCompleted(SynchronousProgress progress, int items)
    {
        while (progress.Reports is not [.., { Completed: var done }] || done < items)
        {
            await Task.Delay(10);
        }
    }
}

/// <summary>
/// Drops, once armed, the next batch of records the coordinator's silo sends to a node and the next one it receives
/// from a node, as Orleans may drop a one-way message: the grain call filters do not pass them on.
/// </summary>
internal sealed class BatchLoss
{
    private int _armed;
    private long _toNode;
    private long _toCoordinator;

    /// <summary>Gets the sequence number of the batch to the node that was dropped, or 0.</summary>
    public long ToNode => Interlocked.Read(ref _toNode);

    /// <summary>Gets the sequence number of the batch to the coordinator that was dropped, or 0.</summary>
    public long ToCoordinator => Interlocked.Read(ref _toCoordinator);

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Install(ISiloBuilder silo)
    {
        silo.AddOutgoingGrainCallFilter(context => Drop(context.MethodName == nameof(INodeGrain.Send), context.Request, ref _toNode) ? Task.CompletedTask : context.Invoke());
        silo.AddIncomingGrainCallFilter(context => Drop(context.MethodName == nameof(IPoolGrain.Receive), context.Request, ref _toCoordinator) ? Task.CompletedTask : context.Invoke());
    }

    private bool Drop(bool batch, global::Orleans.Serialization.Invocation.IInvokable request, ref long dropped)
    {
        if (!batch || Volatile.Read(ref _armed) == 0 || Interlocked.Read(ref dropped) != 0)
        {
            return false;
        }

        // A batch with records (heartbeats and acknowledgements carry none).
        long sequence = (long)request.GetArgument(1)!;
        byte[] records = (byte[])request.GetArgument(request.GetArgumentCount() - 1)!;
        return records.Length > 0 && sequence > 0 && Interlocked.CompareExchange(ref dropped, sequence, 0) == 0;
    }
}
