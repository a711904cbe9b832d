namespace ParallelGen.Coordinator;

/// <summary>Where a node is, as a coordinator sees it.</summary>
internal enum NodeState
{
    /// <summary>A new silo: the handshake is under way.</summary>
    Attaching,

    /// <summary>Takes lanes.</summary>
    Attached,

    /// <summary>Its local pool cannot run tasks: takes no more lanes.</summary>
    Broken,

    /// <summary>Refused (a different build), or not a ParallelGen node at all.</summary>
    Refused,

    /// <summary>Gone.</summary>
    Lost,
}
