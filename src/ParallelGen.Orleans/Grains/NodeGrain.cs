using ParallelGen.Node;

namespace ParallelGen.Grains;

/// <summary>The node's side of <see cref="INodeGrain"/>: hands everything to the silo's <see cref="NodeRuntime"/> at once.</summary>
[SiloPinnedPlacement]
[GrainType(TypeName)]
internal sealed class NodeGrain(NodeRuntime node) : Grain, INodeGrain
{
    /// <summary>The grain type's name: how a coordinator addresses a node before it knows the node's grain types.</summary>
    public const string TypeName = "parallelgen-node";

    /// <summary>Gets the reference to the node grain on <paramref name="silo"/>.</summary>
    public static INodeGrain On(IGrainFactory grains, SiloAddress silo) =>
        grains.GetGrain<INodeGrain>(GrainId.Create(TypeName, SiloPinnedPlacementDirector.KeyOf(silo)));

    public Task<NodeHello> Attach(CoordinatorHello hello) => Task.FromResult(node.Attach(hello));

    public Task Send(Guid session, long sequence, long acknowledged, byte[] records)
    {
        node.Receive(session, sequence, acknowledged, records);
        return Task.CompletedTask;
    }

    public Task Detach(Guid session)
    {
        node.Detach(session);
        return Task.CompletedTask;
    }
}
