namespace ParallelGen.Wire;

/// <summary>What a node does with the records it receives.</summary>
internal interface INodeRecords
{
    void OpenLane(int lane);

    void Run(int lane, long runId, ulong taskId, byte flags, ReadOnlyMemory<byte> arguments);

    void Cancel(int lane, long runId);

    void CloseLane(int lane);

    void KillLane(int lane);
}
