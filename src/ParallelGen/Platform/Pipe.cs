using System.Runtime.InteropServices;

namespace ParallelGen.Platform;

/// <summary>One end of an anonymous operating-system pipe: what parent and worker talk over.</summary>
/// <remarks>Created by <see cref="Create"/> for this system (<c>Linux/UnixPipe</c> on Linux, <c>Windows/Win32Pipe</c> on Windows).</remarks>
internal abstract class Pipe : SafeHandle
{
    private protected Pipe()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    /// <summary>Creates a pipe and returns its read and write ends, neither inherited by child processes unless mapped into them.</summary>
    /// <exception cref="PlatformNotSupportedException">The system is not supported.</exception>
    public static (Pipe Read, Pipe Write) Create() =>
        PlatformSupport.IsLinux ? Linux.UnixPipe.Create()
        : PlatformSupport.IsWindows ? Windows.Win32Pipe.Create()
        : throw PlatformSupport.NotSupported();

    /// <summary>
    /// Wraps a pipe end this process inherited as <paramref name="value"/> (a worker's end): the descriptor number on
    /// Linux, the handle value on Windows (what <see cref="ValueInChild"/> gave the parent).
    /// </summary>
    public static Pipe FromInherited(long value) =>
        PlatformSupport.IsLinux ? Linux.UnixPipe.FromInherited(checked((int)value))
        : PlatformSupport.IsWindows ? Windows.Win32Pipe.FromInherited(value)
        : throw PlatformSupport.NotSupported();

    /// <summary>
    /// Gets the number by which a child that inherits this end through <see cref="ChildProcess.Start"/> at
    /// <paramref name="descriptor"/> finds it: <paramref name="descriptor"/> itself on Linux (the end is mapped there),
    /// the handle value on Windows (inherited handles keep their values).
    /// </summary>
    public abstract long ValueInChild(int descriptor);

    /// <summary>Asks for a larger pipe buffer; fewer, larger transfers for big payloads. Best effort.</summary>
    public abstract void TryGrowBuffer(int bytes);

    /// <summary>Makes sure processes started from this one do not inherit this end.</summary>
    public abstract void SetCloseOnExec();

    /// <summary>Makes writes on this end non-blocking, so <see cref="TryWrite"/> never stalls its caller.</summary>
    public abstract void SetNonBlocking();

    /// <summary>Polls for up to <paramref name="spinTicks"/> (<see cref="System.Diagnostics.Stopwatch"/> ticks) without sleeping; whether data (or end of file) is there to read.</summary>
    public abstract bool SpinUntilReadable(long spinTicks);

    /// <summary>Reads what is available, blocking until at least one byte arrives. Returns 0 at end of file.</summary>
    public abstract int Read(Span<byte> buffer);

    /// <summary>Writes as much as the pipe accepts without blocking. Returns the number of bytes written.</summary>
    /// <exception cref="IOException">The reading end is closed (the peer is gone).</exception>
    public abstract int TryWrite(ReadOnlySpan<byte> data);

    /// <summary>Waits until the pipe can be read (data or end of file) or the timeout passes.</summary>
    public abstract bool WaitReadable(int timeoutMilliseconds);

    /// <summary>Writes all of <paramref name="data"/>, waiting for room in the pipe when it is full.</summary>
    /// <exception cref="IOException">The reading end is closed (the peer is gone).</exception>
    public void WriteAll(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int n = TryWrite(data);
            data = data[n..];
            if (!data.IsEmpty)
            {
                WaitWritable();
            }
        }
    }

    /// <summary>Waits until the pipe can take more bytes.</summary>
    protected abstract void WaitWritable();
}
