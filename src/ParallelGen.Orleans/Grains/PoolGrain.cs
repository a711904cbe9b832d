using ParallelGen.Coordinator;

namespace ParallelGen.Grains;

/// <summary>The coordinator's side of <see cref="IPoolGrain"/>: hands each batch to the pool's backend at once.</summary>
[SiloPinnedPlacement]
internal sealed class PoolGrain(CoordinatorRegistry pools) : Grain, IPoolGrain
{
    public Task Receive(Guid session, long sequence, byte[] records)
    {
        pools.Find(session)?.Receive(SiloPinnedPlacementDirector.NodeOf(this.GetPrimaryKeyString()), sequence, records);
        return Task.CompletedTask;
    }
}
