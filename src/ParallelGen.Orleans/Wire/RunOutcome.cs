namespace ParallelGen.Wire;

/// <summary>Why a run sent to a node did not complete (the body of a <see cref="RecordKind.Failed"/> record).</summary>
internal enum RunOutcome : byte
{
    /// <summary>The node's worker process died while it held the run.</summary>
    WorkerCrashed = 1,

    /// <summary>The run ran past the pool's task timeout; the node's worker was stopped and replaced.</summary>
    TimedOut = 2,

    /// <summary>The node could not run it: its local pool cannot start workers, or was stopped.</summary>
    NodeFailed = 3,
}
