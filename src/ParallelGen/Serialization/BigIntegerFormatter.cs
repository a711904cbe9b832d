using System.ComponentModel;
using System.Numerics;
using System.Runtime.InteropServices;
using MemoryPack;

namespace ParallelGen.Serialization;

/// <summary>
/// Serializes <see cref="BigInteger"/> in MemoryPack's own format (a collection header, then the two's-complement
/// bytes), in place of MemoryPack's <c>BigIntegerFormatter</c>, which writes the unused tail of its buffer instead of
/// the value's bytes, so every value arrived as 0 (MemoryPack 1.21.4 and 1.22.0). Generated code registers it in
/// every process that runs a task that sends or receives a <see cref="BigInteger"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class BigIntegerFormatter : MemoryPackFormatter<BigInteger>
{
    /// <inheritdoc/>
    public override void Serialize<TBufferWriter>(ref MemoryPackWriter<TBufferWriter> writer, scoped ref BigInteger value)
    {
        Span<byte> bytes = stackalloc byte[256];
        if (value.TryWriteBytes(bytes, out int written))
        {
            writer.WriteUnmanagedSpan(bytes[..written]);
        }
        else
        {
            writer.WriteUnmanagedArray(value.ToByteArray());
        }
    }

    /// <inheritdoc/>
    public override void Deserialize(ref MemoryPackReader reader, scoped ref BigInteger value)
    {
        if (!reader.TryReadCollectionHeader(out int length))
        {
            value = default;
            return;
        }

        value = new BigInteger(MemoryMarshal.CreateReadOnlySpan(ref reader.GetSpanReference(length), length));
        reader.Advance(length);
    }
}
