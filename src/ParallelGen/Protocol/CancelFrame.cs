using System.Buffers.Binary;
using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.Cancel"/> frame, parent to worker on the control pipe: <c>[long runId]</c>. The worker stops
/// that call if it is running (its token fires, and a chunk stops between items) or skips it when it arrives.
/// </summary>
internal static class CancelFrame
{
    /// <summary>The whole frame's length, header included.</summary>
    public const int Length = FrameBuffer.HeaderSize + 8;

    /// <summary>Writes the whole frame into <paramref name="destination"/>, which must hold <see cref="Length"/> bytes.</summary>
    public static void Write(Span<byte> destination, long runId)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, Length - 4);
        destination[4] = (byte)FrameKind.Cancel;
        BinaryPrimitives.WriteInt64LittleEndian(destination[FrameBuffer.HeaderSize..], runId);
    }

    /// <exception cref="InvalidDataException">The body is not 8 bytes.</exception>
    public static long Parse(ReadOnlySpan<byte> body) =>
        body.Length == 8 ? BinaryPrimitives.ReadInt64LittleEndian(body) : throw new InvalidDataException($"A Cancel frame of {body.Length} bytes.");
}
