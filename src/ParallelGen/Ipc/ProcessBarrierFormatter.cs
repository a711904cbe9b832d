using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="ProcessBarrier"/> as its shared-memory name.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ProcessBarrierFormatter : SharedObjectFormatter<ProcessBarrier>
{
    private protected override ProcessBarrier Create(SharedMemory memory) => ProcessBarrier.Open(memory);
}
