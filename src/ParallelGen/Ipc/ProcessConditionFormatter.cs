using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="ProcessCondition"/> as its shared-memory name.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ProcessConditionFormatter : SharedObjectFormatter<ProcessCondition>
{
    private protected override ProcessCondition Create(SharedMemory memory) => ProcessCondition.Open(memory);
}
