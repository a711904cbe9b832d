using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="ProcessSemaphore"/> as its shared-memory name.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ProcessSemaphoreFormatter : SharedObjectFormatter<ProcessSemaphore>
{
    private protected override ProcessSemaphore Create(SharedMemory memory) => ProcessSemaphore.Open(memory);
}
