namespace ParallelGen.Node;

/// <summary>What a node's runtime needs to know about itself.</summary>
/// <param name="Name">Its name in messages and <see cref="ClusterNodeInfo.Name"/>.</param>
/// <param name="Workers">The size of its local pool of worker processes.</param>
/// <param name="ExitWhenAlone">Whether the node stops once its coordinators are gone (a node that joined one coordinator).</param>
/// <param name="CoordinatorTimeout">How long a coordinator may stay silent (it sends a heartbeat every second) before its sessions end.</param>
internal sealed record NodeSettings(string Name, int Workers, bool ExitWhenAlone, TimeSpan CoordinatorTimeout);
