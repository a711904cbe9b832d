using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.Withdrawn"/> frame, worker to parent: <c>[long runId]</c>. The answer to a
/// <see cref="WithdrawFrame"/> for a run the worker had not started: it never will, so the parent may send it elsewhere.
/// It overtakes the <c>Done</c> frames of the runs before it, which the worker may still be running.
/// </summary>
internal static class WithdrawnFrame
{
    public static void Write(FrameBuffer buffer, long runId) => RunIdFrame.Write(buffer, FrameKind.Withdrawn, runId);

    /// <exception cref="InvalidDataException">The body is not 8 bytes.</exception>
    public static long Parse(ReadOnlySpan<byte> body) => RunIdFrame.Parse(body, FrameKind.Withdrawn);
}
