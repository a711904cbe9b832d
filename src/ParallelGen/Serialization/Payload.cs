using System.Buffers.Binary;
using MemoryPack;
using ParallelGen.Transport;

namespace ParallelGen.Serialization;

/// <summary>MemoryPack reads and writes of task arguments and results, straight into and out of frame buffers.</summary>
/// <remarks>
/// Everything goes through <see cref="MemoryPackWriter{TBufferWriter}"/> and <see cref="MemoryPackReader"/> with the
/// formatters registered for each type, so no reflection is involved; generated code registers the formatters that
/// Native AOT cannot discover on its own (tuples, lists, dictionaries, <c>[MemoryPackable]</c> types).
/// Spans of unmanaged types are copied as one block.
/// </remarks>
internal static class Payload
{
    /// <summary>
    /// Strings travel as UTF-16, the way .NET holds them: every string crosses unchanged, lone surrogates included
    /// (UTF-8 cannot encode those), and is copied rather than transcoded. Readers take either encoding.
    /// </summary>
    private static readonly MemoryPackSerializerOptions s_options = MemoryPackSerializerOptions.Utf16;

    /// <summary>Serializes one value at the end of <paramref name="buffer"/>.</summary>
    public static void Write<T>(FrameBuffer buffer, in T value)
    {
        using MemoryPackWriterOptionalState state = MemoryPackWriterOptionalStatePool.Rent(s_options);
        MemoryPackWriter<FrameBuffer> writer = new(ref buffer, state);
        writer.WriteValue(value);
        writer.Flush();
    }

    /// <summary>Serializes a count followed by the values.</summary>
    public static void WriteSpan<T>(FrameBuffer buffer, ReadOnlySpan<T> values)
    {
        using MemoryPackWriterOptionalState state = MemoryPackWriterOptionalStatePool.Rent(s_options);
        MemoryPackWriter<FrameBuffer> writer = new(ref buffer, state);
        writer.WriteSpan(values);
        writer.Flush();
    }

    /// <summary>Serializes a count followed by the items of a list, without copying it to an array first.</summary>
    public static void WriteList<T>(FrameBuffer buffer, IReadOnlyList<T> items, int start, int count)
    {
        using MemoryPackWriterOptionalState state = MemoryPackWriterOptionalStatePool.Rent(s_options);
        MemoryPackWriter<FrameBuffer> writer = new(ref buffer, state);
        if (!System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            // Unmanaged items travel as one raw block, the layout MemoryPack uses for spans of them.
            writer.WriteCollectionHeader(count);
            for (int i = 0; i < count; i++)
            {
                T item = items[start + i];
                writer.DangerousWriteUnmanaged(item);
            }
        }
        else
        {
            IMemoryPackFormatter<T> formatter = writer.GetFormatter<T>();
            writer.WriteCollectionHeader(count);
            for (int i = 0; i < count; i++)
            {
                T? item = items[start + i];
                formatter.Serialize(ref writer, ref item);
            }
        }

        writer.Flush();
    }

    /// <summary>Deserializes one value that fills <paramref name="bytes"/>.</summary>
    public static T Read<T>(ReadOnlySpan<byte> bytes)
    {
        using MemoryPackReaderOptionalState state = MemoryPackReaderOptionalStatePool.Rent(s_options);
        MemoryPackReader reader = new(bytes, state);
        T? value = default;
        reader.ReadValue(ref value);
        return value!;
    }

    /// <summary>Deserializes one value from the start of <paramref name="bytes"/> and moves past it.</summary>
    public static T ReadNext<T>(ref ReadOnlySpan<byte> bytes)
    {
        using MemoryPackReaderOptionalState state = MemoryPackReaderOptionalStatePool.Rent(s_options);
        MemoryPackReader reader = new(bytes, state);
        T? value = default;
        reader.ReadValue(ref value);
        bytes = bytes[reader.Consumed..];
        return value!;
    }

    /// <summary>Reads the count written by <see cref="WriteSpan{T}"/> or <see cref="WriteList{T}"/>.</summary>
    public static int ReadCount(ReadOnlySpan<byte> bytes)
    {
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (count < 0)
        {
            throw new InvalidDataException($"Invalid item count {count}.");
        }

        return count;
    }

    /// <summary>Deserializes a span written by <see cref="WriteSpan{T}"/> into <paramref name="destination"/>, which must have its exact length.</summary>
    public static void ReadSpan<T>(ReadOnlySpan<byte> bytes, Span<T> destination)
    {
        using MemoryPackReaderOptionalState state = MemoryPackReaderOptionalStatePool.Rent(s_options);
        MemoryPackReader reader = new(bytes, state);
        if (!reader.TryReadCollectionHeader(out int count) || count != destination.Length)
        {
            throw new InvalidDataException($"Expected {destination.Length} items, found {count}.");
        }

        Span<T?> target = destination!;
        reader.ReadSpanWithoutReadLengthHeader(count, ref target);
    }
}
