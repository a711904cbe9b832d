namespace ParallelGen.Grains;

/// <summary>What a node answers a coordinator's <see cref="CoordinatorHello"/>.</summary>
/// <param name="Refusal">Why the node refuses the session (a different build), or <see langword="null"/> if it accepts.</param>
/// <param name="Name">The node's name.</param>
/// <param name="Capacity">How many worker processes it offers: its local pool's size.</param>
/// <param name="ProcessId">The node process's id.</param>
/// <param name="Host">The node's machine name.</param>
[GenerateSerializer, Immutable, Alias("ParallelGen.NodeHello")]
internal sealed record NodeHello(
    [property: Id(0)] string? Refusal,
    [property: Id(1)] string Name,
    [property: Id(2)] int Capacity,
    [property: Id(3)] int ProcessId,
    [property: Id(4)] string Host);
