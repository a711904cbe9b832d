using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="SharedValue{T}"/> as its shared-memory name.</summary>
/// <typeparam name="T">The value type.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class SharedValueFormatter<T> : SharedObjectFormatter<SharedValue<T>>
    where T : unmanaged
{
    private protected override SharedValue<T> Create(SharedMemory memory) => SharedValue<T>.Open(memory);
}
