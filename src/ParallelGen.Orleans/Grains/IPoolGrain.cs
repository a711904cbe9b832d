namespace ParallelGen.Grains;

/// <summary>
/// A coordinator's pool, as one node calls it: one activation per (coordinator, node) pair, pinned to the coordinator
/// silo by <see cref="SiloPinnedPlacementStrategy"/> (its key is <c>coordinator|node</c>), so each node's answers are handled in
/// order and apart from the other nodes'.
/// </summary>
[Alias("ParallelGen.IPoolGrain")]
internal interface IPoolGrain : IGrainWithStringKey
{
    /// <summary>
    /// Delivers a batch of records (<see cref="Wire.ToCoordinator"/>); batches are handled in <paramref name="sequence"/>
    /// order, and a copy of one already handled is dropped. Sequence 0 carries no records: an acknowledgement alone.
    /// </summary>
    /// <param name="session">The coordinator's pool.</param>
    /// <param name="sequence">The batch's number, from 1 (0: none).</param>
    /// <param name="acknowledged">The highest number up to which the node has handled the coordinator's batches.</param>
    /// <param name="records">The records.</param>
    [Alias("Receive")]
    [OneWay]
    Task Receive(Guid session, long sequence, long acknowledged, [Immutable] byte[] records);
}
