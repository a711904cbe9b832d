namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.Cancel"/> frame, parent to worker on the control pipe: <c>[long runId]</c>. The worker stops
/// that call if it is running (its token fires, and a chunk stops between items) or skips it when it arrives.
/// </summary>
internal static class CancelFrame
{
    /// <summary>The whole frame's length, header included.</summary>
    public const int Length = RunIdFrame.Length;

    /// <summary>Writes the whole frame into <paramref name="destination"/>, which must hold <see cref="Length"/> bytes.</summary>
    public static void Write(Span<byte> destination, long runId) => RunIdFrame.Write(destination, FrameKind.Cancel, runId);

    /// <exception cref="InvalidDataException">The body is not 8 bytes.</exception>
    public static long Parse(ReadOnlySpan<byte> body) => RunIdFrame.Parse(body, FrameKind.Cancel);
}
