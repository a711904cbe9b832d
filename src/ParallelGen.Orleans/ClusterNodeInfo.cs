namespace ParallelGen;

/// <summary>A worker node attached to a cluster pool.</summary>
/// <param name="Name">The node's name (<c>--name</c>; by default its machine name and process id).</param>
/// <param name="Address">The node's silo address, as Orleans names it.</param>
/// <param name="Host">The node's machine name.</param>
/// <param name="ProcessId">The node process's id on its machine.</param>
/// <param name="Workers">How many worker processes it runs tasks in (its local pool).</param>
public sealed record ClusterNodeInfo(string Name, string Address, string Host, int ProcessId, int Workers)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Address}, {Workers} workers)";
}
