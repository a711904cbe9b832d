using ParallelGen.Protocol;

namespace ParallelGen.Wire;

/// <summary>What a coordinator does with the records a node sends it.</summary>
internal interface ICoordinatorRecords
{
    void LaneReady(int lane);

    void LaneFailed(int lane, string reason);

    /// <summary>A run's answer; <paramref name="body"/> is the <c>Done</c> frame's body, valid as long as the batch.</summary>
    void Done(int lane, int workerPid, ReadOnlyMemory<byte> body);

    void Failed(int lane, long runId, RunOutcome outcome, int workerPid, int? exitCode, string detail);

    void LaneClosed(int lane);
}
