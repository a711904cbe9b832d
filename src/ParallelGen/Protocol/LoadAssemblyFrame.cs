using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.LoadAssembly"/> frame, parent to worker: <c>[string name][string path]</c>. A JIT worker loads
/// the assembly and runs its module initializer, which registers its dispatch table; a Native AOT worker, which is the
/// application itself, has every table already.
/// </summary>
internal static class LoadAssemblyFrame
{
    public static void Write(FrameBuffer buffer, string name, string path)
    {
        int start = buffer.BeginFrame((byte)FrameKind.LoadAssembly);
        buffer.WriteString(name);
        buffer.WriteString(path);
        buffer.EndFrame(start);
    }

    public static (string Name, string Path) Parse(ReadOnlySpan<byte> body)
    {
        string name = SpanReader.ReadString(ref body);
        string path = SpanReader.ReadString(ref body);
        return (name, path);
    }
}
