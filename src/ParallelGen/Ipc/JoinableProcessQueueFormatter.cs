using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="JoinableProcessQueue{T}"/> as its shared-memory name.</summary>
/// <typeparam name="T">The item type.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class JoinableProcessQueueFormatter<T> : SharedObjectFormatter<JoinableProcessQueue<T>>
{
    private protected override JoinableProcessQueue<T> Create(SharedMemory memory) => JoinableProcessQueue<T>.Open(memory);
}
