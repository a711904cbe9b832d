using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.Fatal"/> frame, worker to parent: <c>[string message]</c>. The worker cannot go on (a corrupt
/// frame, an assembly it cannot load) and exits after sending it; the parent reports the message with the exit.
/// </summary>
internal static class FatalFrame
{
    public static void Write(FrameBuffer buffer, string message)
    {
        int start = buffer.BeginFrame((byte)FrameKind.Fatal);
        buffer.WriteString(message);
        buffer.EndFrame(start);
    }

    public static string Parse(ReadOnlySpan<byte> body) => SpanReader.ReadString(ref body);
}
