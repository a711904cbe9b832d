using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>A <see cref="FrameKind.Ready"/> frame, worker to parent, the first it sends: <c>[int pid]</c>.</summary>
internal static class ReadyFrame
{
    public static void Write(FrameBuffer buffer, int pid)
    {
        int start = buffer.BeginFrame((byte)FrameKind.Ready);
        buffer.WriteInt32(pid);
        buffer.EndFrame(start);
    }

    public static int Parse(ReadOnlySpan<byte> body) => SpanReader.ReadInt32(ref body);
}
