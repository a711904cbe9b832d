using ParallelGen.Transport;

namespace ParallelGen.Wire;

/// <summary>The header every record starts with, <c>[byte kind][int lane]</c>, written and read in one place.</summary>
internal static class RecordHeader
{
    public static void Write(FrameBuffer batch, RecordKind kind, int lane)
    {
        batch.WriteByte((byte)kind);
        batch.WriteInt32(lane);
    }

    /// <exception cref="InvalidDataException">The batch ends inside the header.</exception>
    public static (RecordKind Kind, int Lane) Read(ref ReadOnlySpan<byte> rest)
    {
        if (rest.Length < 5)
        {
            throw new InvalidDataException("A cluster batch ends inside a record header.");
        }

        RecordKind kind = (RecordKind)rest[0];
        rest = rest[1..];
        return (kind, SpanReader.ReadInt32(ref rest));
    }
}
