using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Windows;

/// <summary>One end of a Win32 anonymous pipe, used through raw <c>ReadFile</c>/<c>WriteFile</c> calls.</summary>
/// <remarks>
/// <para>Pipes are created not inheritable; <see cref="ChildProcess"/> marks a child's ends inheritable only for the
/// <c>CreateProcess</c> call that passes them, in an explicit handle list, so a worker inherits its own three ends and
/// nothing else, and no other child can keep a worker's pipe open and mask its end of file.</para>
/// <para>Non-blocking writes use the pipe's <c>PIPE_NOWAIT</c> mode, in which <c>WriteFile</c> on a byte pipe takes
/// what fits and returns at once; anonymous pipes have no overlapped I/O. A full non-blocking pipe is waited on by
/// polling (only the parent's writer thread ever does).</para>
/// </remarks>
[SupportedOSPlatform("windows")]
internal sealed unsafe class Win32Pipe : Pipe
{
    /// <summary>The buffer size asked for at creation: Windows pipes cannot grow later (Linux's are grown to 1 MiB too).</summary>
    private const int BufferSize = 1024 * 1024;

    private bool _nonBlocking;

    private Win32Pipe(nint handle)
    {
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == 0 || handle == -1;

    /// <summary>Gets the handle value: the same number in a child process that inherits it.</summary>
    public nint Handle => handle;

    /// <summary>Creates a pipe and returns its read and write ends, neither inheritable.</summary>
    public static new (Pipe Read, Pipe Write) Create()
    {
        nint read;
        nint write;
        if (!Kernel32.CreatePipe(&read, &write, null, BufferSize))
        {
            throw Kernel32.LastError("CreatePipe");
        }

        return (new Win32Pipe(read), new Win32Pipe(write));
    }

    /// <summary>Wraps an inherited handle (a worker's end of a pipe).</summary>
    public static new Win32Pipe FromInherited(long handle) => new((nint)handle);

    public override long ValueInChild(int descriptor) => handle;

    public override void TryGrowBuffer(int bytes)
    {
        // Sized at creation.
    }

    public override void SetCloseOnExec()
    {
        if (!Kernel32.SetHandleInformation(handle, Kernel32.HANDLE_FLAG_INHERIT, 0))
        {
            throw Kernel32.LastError("SetHandleInformation");
        }
    }

    public override void SetNonBlocking()
    {
        uint mode = Kernel32.PIPE_NOWAIT;
        if (!Kernel32.SetNamedPipeHandleState(handle, &mode, null, null))
        {
            throw Kernel32.LastError("SetNamedPipeHandleState(PIPE_NOWAIT)");
        }

        _nonBlocking = true;
    }

    public override bool SpinUntilReadable(long spinTicks)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + spinTicks;
        do
        {
            if (IsReadable())
            {
                return true;
            }

            Thread.SpinWait(8);
        }
        while (System.Diagnostics.Stopwatch.GetTimestamp() < end);
        return false;
    }

    public override int Read(Span<byte> buffer)
    {
        bool added = false;
        DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = buffer)
            {
                int read;
                if (Kernel32.ReadFile(handle, p, buffer.Length, &read, null))
                {
                    return read;
                }

                int error = Marshal.GetLastPInvokeError();
                if (error is Kernel32.ERROR_BROKEN_PIPE or Kernel32.ERROR_PIPE_NOT_CONNECTED)
                {
                    return 0; // Every write end is closed: end of file.
                }

                throw new IOException($"ReadFile failed: {Marshal.GetPInvokeErrorMessage(error)} (Win32 error {error}).", error);
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
                int total = 0;
                while (total < data.Length)
                {
                    int written;
                    if (!Kernel32.WriteFile(handle, p + total, data.Length - total, &written, null))
                    {
                        int error = Marshal.GetLastPInvokeError();
                        throw new IOException($"WriteFile failed: {Marshal.GetPInvokeErrorMessage(error)} (Win32 error {error}).", error);
                    }

                    total += written;
                    if (written == 0 && _nonBlocking)
                    {
                        break; // Full: nothing more fits now.
                    }
                }

                return total;
            }
        }
        finally
        {
            ReleaseRef(added);
        }
    }

    public override bool WaitReadable(int timeoutMilliseconds)
    {
        long end = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
        while (!IsReadable())
        {
            if (Environment.TickCount64 >= end)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    protected override void WaitWritable()
    {
        // Only a PIPE_NOWAIT end comes here (a blocking WriteFile writes everything): the reader frees room at its pace.
        Thread.Sleep(1);
    }

    /// <summary>Whether data is waiting, or the pipe is broken (a read would return end of file at once).</summary>
    private bool IsReadable()
    {
        bool added = false;
        DangerousAddRef(ref added);
        try
        {
            int available;
            return !Kernel32.PeekNamedPipe(handle, null, 0, null, &available, null) || available > 0;
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

    protected override bool ReleaseHandle() => Kernel32.CloseHandle(handle);
}
