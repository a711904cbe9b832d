using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Linux;

/// <summary>One end of an anonymous pipe, a file descriptor used through raw <c>read</c>/<c>write</c> calls.</summary>
/// <remarks>
/// Pipes are created close-on-exec, so a worker inherits only the ends that the launcher maps into it
/// explicitly; no other child process can keep a worker's pipe open and mask its end of file.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed unsafe class UnixPipe : Pipe
{
    private UnixPipe(int fd)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>Gets the file descriptor number.</summary>
    public int Fd => (int)handle;

    /// <summary>Creates a pipe and returns its read and write ends, both close-on-exec.</summary>
    public static new (Pipe Read, Pipe Write) Create()
    {
        int* fds = stackalloc int[2];
        if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0)
        {
            throw LibC.LastError("pipe2");
        }

        return (new UnixPipe(fds[0]), new UnixPipe(fds[1]));
    }

    /// <summary>Wraps an inherited descriptor (a worker's end of a pipe).</summary>
    public static UnixPipe FromInherited(int fd) => new(fd);

    public override long ValueInChild(int descriptor) => descriptor;

    public override void TryGrowBuffer(int bytes) => LibC.fcntl(Fd, LibC.F_SETPIPE_SZ, bytes);

    public override void SetCloseOnExec()
    {
        if (LibC.fcntl(Fd, LibC.F_SETFD, LibC.FD_CLOEXEC) < 0)
        {
            throw LibC.LastError("fcntl(FD_CLOEXEC)");
        }
    }

    public override void SetNonBlocking()
    {
        int flags = LibC.fcntl(Fd, LibC.F_GETFL, 0);
        if (flags < 0 || LibC.fcntl(Fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0)
        {
            throw LibC.LastError("fcntl(O_NONBLOCK)");
        }
    }

    public override bool SpinUntilReadable(long spinTicks)
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

    public override int Read(Span<byte> buffer)
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

    public override int TryWrite(ReadOnlySpan<byte> data)
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

    public override bool WaitReadable(int timeoutMilliseconds) => Poll(LibC.POLLIN, timeoutMilliseconds);

    protected override void WaitWritable() => Poll(LibC.POLLOUT, -1);

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
