namespace ParallelGen.Coordinator;

/// <summary>What a <see cref="Lane"/> tells its backend: that it waits for a node, and that it is gone.</summary>
internal interface ILaneOwner
{
    /// <summary>The lane was started: it waits for a node with room.</summary>
    void Enqueue(Lane lane);

    /// <summary>The lane exited: its share of its node is free again.</summary>
    void Forget(Lane lane);
}
