using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.TimedOut"/> frame, worker to parent: <c>[long runId]</c>. That call ran past
/// <c>ProcessPoolOptions.TaskTimeout</c>; the worker exits right after sending it.
/// </summary>
internal static class TimedOutFrame
{
    public static void Write(FrameBuffer buffer, long runId)
    {
        int start = buffer.BeginFrame((byte)FrameKind.TimedOut);
        buffer.WriteInt64(runId);
        buffer.EndFrame(start);
    }

    public static long Parse(ReadOnlySpan<byte> body) => SpanReader.ReadInt64(ref body);
}
