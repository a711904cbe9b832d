using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.TimedOut"/> frame, worker to parent: <c>[long runId]</c>. That call ran past
/// <c>ProcessPoolOptions.TaskTimeout</c>; the worker exits right after sending it.
/// </summary>
internal static class TimedOutFrame
{
    public static void Write(FrameBuffer buffer, long runId) => RunIdFrame.Write(buffer, FrameKind.TimedOut, runId);

    /// <exception cref="InvalidDataException">The body is not 8 bytes.</exception>
    public static long Parse(ReadOnlySpan<byte> body) => RunIdFrame.Parse(body, FrameKind.TimedOut);
}
