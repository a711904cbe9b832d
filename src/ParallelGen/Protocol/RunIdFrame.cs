using System.Buffers.Binary;
using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>The layout the frames that only name a run share: <c>[long runId]</c> (Cancel, Withdraw, Withdrawn, TimedOut).</summary>
internal static class RunIdFrame
{
    /// <summary>The whole frame's length, header included.</summary>
    public const int Length = FrameBuffer.HeaderSize + 8;

    /// <summary>Writes the whole frame into <paramref name="destination"/>, which must hold <see cref="Length"/> bytes.</summary>
    public static void Write(Span<byte> destination, FrameKind kind, long runId)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, Length - 4);
        destination[4] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(destination[FrameBuffer.HeaderSize..], runId);
    }

    /// <summary>Appends the frame to <paramref name="buffer"/>.</summary>
    public static void Write(FrameBuffer buffer, FrameKind kind, long runId)
    {
        Write(buffer.GetSpan(Length), kind, runId);
        buffer.Advance(Length);
    }

    /// <exception cref="InvalidDataException">The body is not 8 bytes.</exception>
    public static long Parse(ReadOnlySpan<byte> body, FrameKind kind) =>
        body.Length == 8 ? BinaryPrimitives.ReadInt64LittleEndian(body) : throw new InvalidDataException($"A {kind} frame of {body.Length} bytes.");
}
