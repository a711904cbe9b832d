using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Serializes a <see cref="ProcessEvent"/> as its shared-memory name.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ProcessEventFormatter : SharedObjectFormatter<ProcessEvent>
{
    private protected override ProcessEvent Create(SharedMemory memory) => ProcessEvent.Open(memory);
}
