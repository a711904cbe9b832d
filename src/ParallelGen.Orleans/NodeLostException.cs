namespace ParallelGen;

/// <summary>
/// A cluster node was lost while it held this call: its process died, its machine went away, or it stopped answering
/// Orleans' probes for the failure-detection time (see docs/cluster.md).
/// </summary>
/// <remarks>
/// A <see cref="WorkerCrashedException"/>, so code written for a local pool handles it unchanged. A task marked
/// <c>[ProcessTask(MaxRetries = n)]</c> is run again on another node up to <c>n</c> times before this is reported.
/// <see cref="WorkerCrashedException.WorkerPid"/> is the node process's id and <see cref="WorkerCrashedException.ExitCode"/>
/// is unknown (<see langword="null"/>).
/// </remarks>
public sealed class NodeLostException : WorkerCrashedException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="node">The node that was lost.</param>
    /// <param name="reason">How the loss was detected.</param>
    /// <param name="taskName">The task whose call failed, when known.</param>
    public NodeLostException(ClusterNodeInfo node, string reason, string? taskName = null)
        : base(
            $"Node {node.Name} ({node.Address}) was lost{(taskName is null ? "" : $" while running {taskName}")}: {reason}.",
            node.ProcessId,
            null,
            taskName)
    {
        Node = node;
    }

    /// <summary>Gets the node that was lost.</summary>
    public ClusterNodeInfo Node { get; }
}
