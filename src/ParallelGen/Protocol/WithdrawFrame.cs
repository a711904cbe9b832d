namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.Withdraw"/> frame, parent to worker on the control pipe: <c>[long runId]</c>. The parent takes
/// a queued run back to give it to another worker: if the worker has not started it, it answers at once with
/// <see cref="WithdrawnFrame"/> and will skip it without a word; if it has, the frame is moot and the run is answered
/// as usual.
/// </summary>
internal static class WithdrawFrame
{
    /// <summary>The whole frame's length, header included.</summary>
    public const int Length = RunIdFrame.Length;

    /// <summary>Writes the whole frame into <paramref name="destination"/>, which must hold <see cref="Length"/> bytes.</summary>
    public static void Write(Span<byte> destination, long runId) => RunIdFrame.Write(destination, FrameKind.Withdraw, runId);

    /// <exception cref="InvalidDataException">The body is not 8 bytes.</exception>
    public static long Parse(ReadOnlySpan<byte> body) => RunIdFrame.Parse(body, FrameKind.Withdraw);
}
