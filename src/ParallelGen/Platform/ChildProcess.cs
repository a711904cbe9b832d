using System.Runtime.InteropServices;
using ParallelGen.Platform.Linux;
using ParallelGen.Platform.Windows;

namespace ParallelGen.Platform;

/// <summary>A child process this process started: its pid, and the only safe ways to signal and reap it.</summary>
/// <remarks>
/// <para>Kill and reap take one lock, so that no signal ever goes to a pid that has been reaped and may belong to another
/// process by now.</para>
/// <para>On Windows the process is held by its handle for as long as this object lives (so its pid cannot be reused), and
/// it runs in the <see cref="WorkerJob"/>, which kills it when this process ends. <see cref="Kill"/> and
/// <see cref="Terminate"/> are both <c>TerminateProcess</c>, with exit codes that read as -9 and -15 here, as Python's
/// <c>multiprocessing</c> reports a terminated process on Windows as -15.</para>
/// </remarks>
internal sealed unsafe class ChildProcess
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private readonly object _reapLock = new();
    private bool _reaped;
    private bool _terminated;
    private int? _exitCode;

    /// <summary>The process handle on Windows (0 on Linux), closed when this object is finalized.</summary>
    private readonly nint _handle;

    private ChildProcess(int pid, bool leadsGroup, nint handle = 0)
    {
        Pid = pid;
        LeadsProcessGroup = leadsGroup;
        _handle = handle;
    }

    /// <summary>Closes the process handle on Windows.</summary>
    ~ChildProcess()
    {
        if (_handle != 0 && PlatformSupport.IsWindows)
        {
            Kernel32.CloseHandle(_handle);
        }
    }

    public int Pid { get; }

    /// <summary>
    /// Gets whether the child leads a process group of its own, which the processes it starts join: then the group is
    /// killed when the child is (<see cref="Kill"/>), and when it is found to have exited, before it is reaped (so the
    /// group id cannot belong to anyone else yet). A descendant that leaves the group (<c>setsid</c>, a daemon) is not reached.
    /// </summary>
    public bool LeadsProcessGroup { get; }

    /// <summary>Starts <paramref name="path"/> with exactly the given pipe ends inherited, each at a fixed descriptor number.</summary>
    /// <param name="path">The executable.</param>
    /// <param name="arguments">The arguments after the executable's own name.</param>
    /// <param name="environment">The whole environment, as <c>NAME=value</c> strings.</param>
    /// <param name="ownProcessGroup">Whether the child leads a process group of its own (see <see cref="LeadsProcessGroup"/>; Linux only).</param>
    /// <param name="inherited">
    /// The pipe ends the child gets, and the descriptor each gets there (on Linux, above 2: every other descriptor is
    /// closed in the child, and its stdin is the null device; on Windows each keeps its handle value, see
    /// <see cref="Pipe.ValueInChild"/>).
    /// </param>
    /// <exception cref="IOException">The process could not be started.</exception>
    /// <exception cref="PlatformNotSupportedException">The system is not supported.</exception>
    public static ChildProcess Start(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, bool ownProcessGroup, params (Pipe End, int Descriptor)[] inherited)
    {
        if (PlatformSupport.IsWindows)
        {
            nint[] handles = new nint[inherited.Length];
            for (int i = 0; i < inherited.Length; i++)
            {
                handles[i] = ((Win32Pipe)inherited[i].End).Handle;
            }

            (nint handle, int pid) = Win32Processes.Start(path, arguments, environment, handles);
            return new ChildProcess(pid, leadsGroup: false, handle);
        }

        if (!PlatformSupport.IsLinux)
        {
            throw PlatformSupport.NotSupported();
        }

        (int, int)[] descriptors = new (int, int)[inherited.Length];
        for (int i = 0; i < inherited.Length; i++)
        {
            descriptors[i] = (((UnixPipe)inherited[i].End).Fd, inherited[i].Descriptor);
        }

        return new ChildProcess(PosixSpawn.Start(path, arguments, environment, descriptors, ownProcessGroup), ownProcessGroup);
    }

    /// <summary>
    /// Whether an exit status means someone outside ParallelGen killed the process (SIGKILL or SIGTERM without a reason
    /// of ours), rather than that it failed: a crash shows as an exit code or a crash signal (SIGSEGV, SIGABRT).
    /// </summary>
    public static bool IsKilledFromOutside(int? exitCode) => exitCode is -SigKill or -SigTerm;

    /// <summary>Gets whether the process is in this process's worker job (Windows; tests only).</summary>
    internal bool IsInWorkerJob
    {
        get
        {
            lock (_reapLock)
            {
                return PlatformSupport.IsWindows && !_reaped && WorkerJob.Contains(_handle);
            }
        }
    }

    /// <summary>Kills the process (SIGKILL), and its process group if it leads one. Does nothing once it has been reaped.</summary>
    public void Kill() => Signal(SigKill, group: LeadsProcessGroup);

    /// <summary>Asks the process to stop (SIGTERM). Does nothing once it has been reaped.</summary>
    /// <remarks>Its exit status is then reported as the signal's (-15), as Python does, although the .NET runtime turns SIGTERM into a normal exit with 143.</remarks>
    public void Terminate()
    {
        Volatile.Write(ref _terminated, true);
        Signal(SigTerm, group: false);
    }

    /// <summary>
    /// Waits for the process to exit and collects its status: its exit code, or minus the signal number that killed it
    /// (as Python reports it). One that has not exited within <paramref name="grace"/> is killed first.
    /// </summary>
    /// <returns>The status, or <see langword="null"/> if it could not be collected.</returns>
    public int? WaitForExit(TimeSpan grace)
    {
        if (PlatformSupport.IsWindows)
        {
            return WaitForExitWindows(grace);
        }

        long end = Environment.TickCount64 + (long)grace.TotalMilliseconds;
        while (Environment.TickCount64 < end)
        {
            if (TryReap(blocking: false))
            {
                return _exitCode;
            }

            Thread.Sleep(10);
        }

        Kill();
        while (!TryReap(blocking: true))
        {
        }

        return _exitCode;
    }

    private void Signal(int signal, bool group)
    {
        lock (_reapLock)
        {
            if (_reaped)
            {
                return;
            }

            if (PlatformSupport.IsLinux)
            {
                LibC.kill(group ? -Pid : Pid, signal);
            }
            else if (PlatformSupport.IsWindows)
            {
                Win32Processes.Terminate(_handle, signal);
            }
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private int? WaitForExitWindows(TimeSpan grace)
    {
        // The handle stays open until this object is finalized, so waiting outside the lock is safe.
        if (!Win32Processes.WaitForExit(_handle, (int)Math.Min(int.MaxValue, grace.TotalMilliseconds)))
        {
            Kill();
            Win32Processes.WaitForExit(_handle, -1);
        }

        lock (_reapLock)
        {
            if (!_reaped)
            {
                _exitCode = Win32Processes.ExitStatus(_handle);
                _reaped = true;
            }

            return _exitCode;
        }
    }

    /// <summary>One <c>waitpid</c>, under the lock that signals take.</summary>
    /// <returns>Whether the process is reaped (or cannot be waited for): then the status is final.</returns>
    private bool TryReap(bool blocking)
    {
        lock (_reapLock)
        {
            if (_reaped || !PlatformSupport.IsLinux)
            {
                return true;
            }

            if (LeadsProcessGroup && !EndGroupOnceExited(blocking))
            {
                return false;
            }

            int status;
            int rc = LibC.waitpid(Pid, &status, blocking ? 0 : LibC.WNOHANG);
            if (rc == Pid)
            {
                int code = LibC.DecodeWaitStatus(status);
                _exitCode = code == 128 + SigTerm && Volatile.Read(ref _terminated) ? -SigTerm : code;
                _reaped = true;
            }
            else if (rc < 0 && Marshal.GetLastPInvokeError() != LibC.EINTR)
            {
                _reaped = true;
            }

            return _reaped;
        }
    }

    /// <summary>
    /// Waits (or looks) for the child's exit without reaping it, and then kills what is left of its process group:
    /// while the child is an unreaped zombie, its pid, and so its group's id, cannot be reused.
    /// </summary>
    /// <returns>Whether the child has exited (or cannot be waited for); false only when not blocking and it still runs.</returns>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private bool EndGroupOnceExited(bool blocking)
    {
        byte* info = stackalloc byte[LibC.SigInfoObjectSize];
        while (true)
        {
            new Span<byte>(info, LibC.SigInfoObjectSize).Clear();
            int rc = LibC.waitid(LibC.P_PID, Pid, info, LibC.WEXITED | LibC.WNOWAIT | (blocking ? 0 : LibC.WNOHANG));
            if (rc < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR)
            {
                continue;
            }

            if (rc == 0 && *(int*)(info + LibC.SigInfoPidOffset) == 0)
            {
                return false;
            }

            if (rc == 0)
            {
                LibC.kill(-Pid, SigKill);
            }

            return true;
        }
    }
}
