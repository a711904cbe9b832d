namespace ParallelGen.Wire;

/// <summary>
/// The records of the cluster protocol. A message between coordinator and node is a batch of records, each
/// <c>[byte kind][int lane]</c> and a body; the batches of one session and direction carry a sequence number and are
/// handled in that order. Writers and readers are side by side in <see cref="ToNode"/> and <see cref="ToCoordinator"/>.
/// </summary>
internal enum RecordKind : byte
{
    /// <summary>To a node: take lane <c>lane</c> (one worker's share of the node's capacity). Answered with <see cref="LaneReady"/> or <see cref="LaneFailed"/>.</summary>
    OpenLane = 1,

    /// <summary>To a node: a run, <c>[long runId][ulong taskId][byte flags][int length][arguments]</c>.</summary>
    Run = 2,

    /// <summary>To a node: stop run <c>[long runId]</c> if it runs, skip it if it has not started.</summary>
    Cancel = 3,

    /// <summary>To a node: finish the lane's runs, then answer <see cref="LaneClosed"/>.</summary>
    CloseLane = 4,

    /// <summary>To a node: drop the lane now; its running runs are told to stop and their answers are not sent.</summary>
    KillLane = 5,

    /// <summary>To the coordinator: the lane is open.</summary>
    LaneReady = 16,

    /// <summary>To the coordinator: the lane could not be opened, <c>[string reason]</c>.</summary>
    LaneFailed = 17,

    /// <summary>To the coordinator: a run's <c>Done</c> frame, <c>[int workerPid][int length][body]</c>.</summary>
    Done = 18,

    /// <summary>To the coordinator: a run that did not complete, <c>[long runId][byte outcome][int pid][int exitCode][string detail]</c>.</summary>
    Failed = 19,

    /// <summary>To the coordinator: the lane answered everything and is closed.</summary>
    LaneClosed = 20,
}
