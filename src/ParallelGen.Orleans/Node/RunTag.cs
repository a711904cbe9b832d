namespace ParallelGen.Node;

/// <summary>What a node keeps of a run it received: the lane and the coordinator's id for it.</summary>
internal sealed class RunTag(int lane, long runId)
{
    private volatile bool _cancelRequested;

    public int Lane { get; } = lane;

    public long RunId { get; } = runId;

    /// <summary>Gets or sets whether the coordinator asked to cancel it (a run dropped before it started then answers "cancelled").</summary>
    public bool CancelRequested
    {
        get => _cancelRequested;
        set => _cancelRequested = value;
    }
}
