using ParallelGen.Node;

namespace ParallelGen.Grains;

/// <summary>The node's side of <see cref="INodeGrain"/>: hands everything to the silo's <see cref="NodeRuntime"/> at once.</summary>
[SiloPinnedPlacement]
internal sealed class NodeGrain(NodeRuntime node) : Grain, INodeGrain
{
    public Task<NodeHello> Attach(CoordinatorHello hello) => Task.FromResult(node.Attach(hello));

    public Task Send(Guid session, long sequence, byte[] records)
    {
        node.Receive(session, sequence, records);
        return Task.CompletedTask;
    }

    public Task Detach(Guid session)
    {
        node.Detach(session);
        return Task.CompletedTask;
    }
}
