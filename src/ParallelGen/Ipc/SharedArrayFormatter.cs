using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="SharedArray{T}"/> as its shared-memory name: the elements never cross.</summary>
/// <typeparam name="T">The element type.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class SharedArrayFormatter<T> : SharedObjectFormatter<SharedArray<T>>
    where T : unmanaged
{
    private protected override SharedArray<T> Create(SharedMemory memory) => SharedArray<T>.Open(memory);
}
