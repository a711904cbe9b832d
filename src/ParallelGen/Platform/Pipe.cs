using System.Runtime.InteropServices;
using ParallelGen.Platform.Linux;

namespace ParallelGen.Platform;

/// <summary>One end of an anonymous OS pipe, used through raw <c>read</c>/<c>write</c> calls.</summary>
/// <remarks>
/// Pipes are created close-on-exec, so a worker inherits only the ends that the launcher maps into it
/// explicitly; no other child process can keep a worker's pipe open and mask its end of file.
/// </remarks>
internal sealed unsafe class Pipe : SafeHandle
{
    private Pipe(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>Gets the file descriptor number.</summary>
    public int Fd => (int)handle;

    /// <summary>Creates a pipe and returns its read and write ends, both close-on-exec.</summary>
    public static (Pipe Read, Pipe Write) Create()
    {
        int* fds = stackalloc int[2];
        if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0)
        {
            throw LibC.LastError("pipe2");
        }

        return (new Pipe(fds[0]), new Pipe(fds[1]));
    }

    /// <summary>Wraps an inherited descriptor (a worker's end of a pipe).</summary>
    public static Pipe FromInherited(int fd) => new(fd);

    /// <summary>Asks the kernel for a larger pipe buffer; fewer, larger transfers for big payloads. Best effort.</summary>
    public void TryGrowBuffer(int bytes) => LibC.fcntl(Fd, LibC.F_SETPIPE_SZ, bytes);

    /// <summary>Sets close-on-exec, so that processes started from this one do not inherit the descriptor.</summary>
    public void SetCloseOnExec()
    {
        if (LibC.fcntl(Fd, LibC.F_SETFD, LibC.FD_CLOEXEC) < 0)
        {
            throw LibC.LastError("fcntl(FD_CLOEXEC)");
        }
    }

    /// <summary>Makes writes on this end non-blocking, so <see cref="TryWrite"/> never stalls its caller.</summary>
    public void SetNonBlocking()
    {
        int flags = LibC.fcntl(Fd, LibC.F_GETFL, 0);
        if (flags < 0 || LibC.fcntl(Fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0)
        {
            throw LibC.LastError("fcntl(O_NONBLOCK)");
        }
    }

    /// <summary>Polls for up to <paramref name="spinTicks"/> (<see cref="System.Diagnostics.Stopwatch"/> ticks) without sleeping; whether data (or end of file) is there to read.</summary>
    public bool SpinUntilReadable(long spinTicks)
    {
        bool added = false;
        DangerousAddRef(ref added);
        try
        {
            LibC.PollFd poll = new() { Fd = Fd, Events = LibC.POLLIN };
            long end = System.Diagnostics.Stopwatch.GetTimestamp() + spinTicks;
            do
            {
                poll.Revents = 0;
                if (LibC.poll(&poll, 1, 0) > 0)
                {
                    return true;
                }

                Thread.SpinWait(8);
            }
            while (System.Diagnostics.Stopwatch.GetTimestamp() < end);
            return false;
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>Reads what is available, blocking until at least one byte arrives. Returns 0 at end of file.</summary>
    public int Read(Span<byte> buffer)
    {
        bool added = false;
        DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = LibC.read(Fd, p, buffer.Length);
                    if (n >= 0)
                    {
                        return (int)n;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != LibC.EINTR)
                    {
                        throw new IOException($"read failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
                    }
                }
            }
        }
        finally
        {
            ReleaseRef(added);
        }
    }

    /// <summary>Writes as much as the pipe accepts without blocking. Returns the number of bytes written.</summary>
    /// <exception cref="IOException">The reading end is closed (the worker is gone).</exception>
    public int TryWrite(ReadOnlySpan<byte> data)
    {
        bool added = false;
        DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = data)
            {
                int written = 0;
                while (written < data.Length)
                {
                    nint n = LibC.write(Fd, p + written, data.Length - written);
                    if (n >= 0)
                    {
                        written += (int)n;
                        continue;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }

                    if (errno == LibC.EAGAIN)
                    {
                        return written;
                    }

                    throw new IOException($"write failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
                }

                return written;
            }
        }
        finally
        {
            ReleaseRef(added);
        }
    }

    /// <summary>Writes all of <paramref name="data"/>, waiting for room in the pipe when it is full.</summary>
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

    /// <summary>Waits until the pipe can be read (data or end of file) or the timeout passes.</summary>
    public bool WaitReadable(int timeoutMilliseconds) => Poll(LibC.POLLIN, timeoutMilliseconds);

    private void WaitWritable() => Poll(LibC.POLLOUT, -1);

    private bool Poll(short events, int timeoutMilliseconds)
    {
        bool added = false;
        DangerousAddRef(ref added);
        try
        {
            LibC.PollFd pfd = new() { Fd = Fd, Events = events };
            while (true)
            {
                int rc = LibC.poll(&pfd, 1, timeoutMilliseconds);
                if (rc >= 0)
                {
                    return rc > 0;
                }

                if (Marshal.GetLastPInvokeError() != LibC.EINTR)
                {
                    throw LibC.LastError("poll");
                }
            }
        }
        finally
        {
            ReleaseRef(added);
        }
    }

    private void ReleaseRef(bool added)
    {
        if (added)
        {
            DangerousRelease();
        }
    }

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}
