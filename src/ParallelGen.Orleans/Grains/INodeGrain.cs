namespace ParallelGen.Grains;

/// <summary>
/// A worker node, as its coordinators call it: one activation per node silo, pinned there by
/// <see cref="SiloPinnedPlacementStrategy"/> (its key is the silo's address). Everything but the handshake is one-way, so no
/// Orleans response timeout ever applies to a run, however long it takes.
/// </summary>
[Alias("ParallelGen.INodeGrain")]
internal interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Starts a session of a coordinator's pool on the node: checks that both run the same build, and answers with what the node offers.</summary>
    [Alias("Attach")]
    Task<NodeHello> Attach(CoordinatorHello hello);

    /// <summary>
    /// Delivers a batch of records (<see cref="Wire.ToNode"/>); batches are handled in <paramref name="sequence"/> order,
    /// and a copy of one already handled is dropped. Sequence 0 carries no records: a heartbeat.
    /// </summary>
    /// <param name="session">The coordinator's pool.</param>
    /// <param name="sequence">The batch's number, from 1 (0: none).</param>
    /// <param name="acknowledged">The highest number up to which the coordinator has handled the node's batches.</param>
    /// <param name="records">The records.</param>
    [Alias("Send")]
    [OneWay]
    Task Send(Guid session, long sequence, long acknowledged, [Immutable] byte[] records);

    /// <summary>Ends a session: whatever it still runs is stopped.</summary>
    [Alias("Detach")]
    [OneWay]
    Task Detach(Guid session);
}
