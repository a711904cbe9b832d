namespace ParallelGen.Grains;

/// <summary>
/// A coordinator's pool, as one node calls it: one activation per (coordinator, node) pair, pinned to the coordinator
/// silo by <see cref="SiloPinnedPlacementStrategy"/> (its key is <c>coordinator|node</c>), so each node's answers are handled in
/// order and apart from the other nodes'.
/// </summary>
[Alias("ParallelGen.IPoolGrain")]
internal interface IPoolGrain : IGrainWithStringKey
{
    /// <summary>Delivers a batch of records (<see cref="Wire.ToCoordinator"/>); batches are handled in <paramref name="sequence"/> order.</summary>
    [Alias("Receive")]
    [OneWay]
    Task Receive(Guid session, long sequence, [Immutable] byte[] records);
}
