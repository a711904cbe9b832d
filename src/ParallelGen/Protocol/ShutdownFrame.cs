using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>A <see cref="FrameKind.Shutdown"/> frame, parent to worker, with no body: finish the queued frames, then exit.</summary>
internal static class ShutdownFrame
{
    public static void Write(FrameBuffer buffer)
    {
        int start = buffer.BeginFrame((byte)FrameKind.Shutdown);
        buffer.EndFrame(start);
    }
}
