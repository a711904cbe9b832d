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

    /// <summary>Delivers a batch of records (<see cref="Wire.ToNode"/>); batches are handled in <paramref name="sequence"/> order.</summary>
    [Alias("Send")]
    [OneWay]
    Task Send(Guid session, long sequence, [Immutable] byte[] records);

    /// <summary>Ends a session: whatever it still runs is stopped.</summary>
    [Alias("Detach")]
    [OneWay]
    Task Detach(Guid session);
}
