using System.Buffers;

namespace ParallelGen.Transport;

/// <summary>Exposes a block of memory that this process has mapped (a shared-memory segment) as <see cref="Memory{T}"/>.</summary>
/// <remarks>The owner keeps the mapping alive for as long as the memory is handed out.</remarks>
internal sealed unsafe class NativeMemoryManager(byte* pointer, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    public override void Unpin()
    {
        // The memory is not managed by the GC: nothing to unpin.
    }

    protected override void Dispose(bool disposing)
    {
        // The mapping belongs to the segment, which unmaps it.
    }
}
