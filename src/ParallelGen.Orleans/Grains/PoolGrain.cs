using ParallelGen.Coordinator;

namespace ParallelGen.Grains;

/// <summary>The coordinator's side of <see cref="IPoolGrain"/>: hands each batch to the pool's backend at once.</summary>
[SiloPinnedPlacement]
[GrainType(TypeName)]
internal sealed class PoolGrain(CoordinatorRegistry pools) : Grain, IPoolGrain
{
    /// <summary>The grain type's name.</summary>
    public const string TypeName = "parallelgen-pool";

    /// <summary>Gets the reference to the pool grain that node <paramref name="nodeKey"/> answers coordinator <paramref name="coordinatorKey"/> through.</summary>
    public static IPoolGrain For(IGrainFactory grains, string coordinatorKey, string nodeKey) =>
        grains.GetGrain<IPoolGrain>(GrainId.Create(TypeName, $"{coordinatorKey}|{nodeKey}"));

    public Task Receive(Guid session, long sequence, long acknowledged, byte[] records)
    {
        pools.Find(session)?.Receive(SiloPinnedPlacementDirector.NodeOf(this.GetPrimaryKeyString()), sequence, acknowledged, records);
        return Task.CompletedTask;
    }
}
