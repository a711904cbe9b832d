namespace ParallelGen.Grains;

/// <summary>What a coordinator tells a node when its pool attaches to it.</summary>
/// <param name="Session">The pool's session id.</param>
/// <param name="Coordinator">The coordinator silo's address, where the node sends its answers.</param>
/// <param name="Name">The coordinator's name, for messages.</param>
/// <param name="Build">The task tables the coordinator's process has registered: the node must have the same.</param>
/// <param name="Profile">The pool settings the node's local pool must run with.</param>
[GenerateSerializer, Immutable, Alias("ParallelGen.CoordinatorHello")]
internal sealed record CoordinatorHello(
    [property: Id(0)] Guid Session,
    [property: Id(1)] string Coordinator,
    [property: Id(2)] string Name,
    [property: Id(3)] TableBuild[] Build,
    [property: Id(4)] PoolProfile Profile);
