using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="ProcessRLock"/> as its shared-memory name.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ProcessRLockFormatter : SharedObjectFormatter<ProcessRLock>
{
    private protected override ProcessRLock Create(SharedMemory memory) => ProcessRLock.Open(memory);
}
