using System.Buffers.Binary;
using System.Text;

namespace ParallelGen.Transport;

/// <summary>Reads the fixed-size fields and strings that <see cref="FrameBuffer"/> writes, advancing the span past each.</summary>
internal static class SpanReader
{
    /// <summary>Reads a length-prefixed UTF-8 string.</summary>
    /// <exception cref="InvalidDataException">The length is negative or runs past the span.</exception>
    public static string ReadString(ref ReadOnlySpan<byte> bytes)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (length < 0 || length > bytes.Length - 4)
        {
            throw new InvalidDataException($"Invalid string length {length}.");
        }

        string value = Encoding.UTF8.GetString(bytes.Slice(4, length));
        bytes = bytes[(4 + length)..];
        return value;
    }

    public static long ReadInt64(ref ReadOnlySpan<byte> bytes)
    {
        long value = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        bytes = bytes[8..];
        return value;
    }

    public static ulong ReadUInt64(ref ReadOnlySpan<byte> bytes)
    {
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        bytes = bytes[8..];
        return value;
    }

    public static int ReadInt32(ref ReadOnlySpan<byte> bytes)
    {
        int value = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        bytes = bytes[4..];
        return value;
    }
}
