using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="ProcessQueue{T}"/> as its shared-memory name.</summary>
/// <typeparam name="T">The item type.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ProcessQueueFormatter<T> : SharedObjectFormatter<ProcessQueue<T>>
{
    private protected override ProcessQueue<T> Create(SharedMemory memory) => ProcessQueue<T>.Open(memory);
}
