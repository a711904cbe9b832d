using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="ProcessLock"/> as its shared-memory name.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ProcessLockFormatter : SharedObjectFormatter<ProcessLock>
{
    private protected override ProcessLock Create(SharedMemory memory) => ProcessLock.Open(memory);
}
