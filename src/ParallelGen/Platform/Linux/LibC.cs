using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Linux;

/// <summary>The few POSIX calls ParallelGen needs, bound directly to libc (no reflection, Native AOT friendly).</summary>
/// <remarks>The constants are those of Linux with glibc on x86-64 and arm64; the ABI test (tests/ParallelGen.Tests/AbiTests.cs) compares them with a C compiler's.</remarks>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ECHILD = 10;
    public const int EPIPE = 32;

    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;
    public const int O_NONBLOCK = 0x800;

    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int FD_CLOEXEC = 1;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int F_SETPIPE_SZ = 1031;
    public const int F_DUPFD_CLOEXEC = 1030;

    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;

    public const int WNOHANG = 1;
    public const int WEXITED = 4;
    public const int WNOWAIT = 0x01000000;
    public const int P_PID = 1;

    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGSTOP = 19;

    public const int PR_SET_PDEATHSIG = 1;

    public const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETPGROUP = 0x02;

    /// <summary>Room reserved for a <c>posix_spawn_file_actions_t</c> (80 bytes on x86-64 glibc).</summary>
    public const int FileActionsObjectSize = 1024;

    /// <summary>Room reserved for a <c>posix_spawnattr_t</c> (336 bytes on x86-64 glibc).</summary>
    public const int SpawnAttributesObjectSize = 1024;

    /// <summary>Room reserved for a <c>sigset_t</c> (128 bytes on glibc).</summary>
    public const int SignalSetObjectSize = 128;

    /// <summary>Room reserved for a <c>siginfo_t</c> (128 bytes on Linux), whose <c>si_pid</c> is at <see cref="SigInfoPidOffset"/>.</summary>
    public const int SigInfoObjectSize = 128;

    /// <summary>Where <c>si_pid</c> sits in a <c>siginfo_t</c> (after three ints and the union's alignment, on 64-bit Linux); checked by the ABI test.</summary>
    internal const int SigInfoPidOffset = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitid(int idType, int id, void* info, int options);

    [LibraryImport(Lib)]
    public static partial int getpid();

    [LibraryImport(Lib)]
    public static partial int getpgrp();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int unsetenv(string name);

    [LibraryImport(Lib)]
    public static partial int getppid();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, EntryPoint = "_exit")]
    public static partial void _exit(int status);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addopen(void* fileActions, int fd, byte* path, int flags, int mode);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addclose(void* fileActions, int fd);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setpgroup(void* attributes, int processGroup);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_init(void* attributes);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_destroy(void* attributes);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setflags(void* attributes, short flags);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigmask(void* attributes, void* signalSet);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigdefault(void* attributes, void* signalSet);

    [LibraryImport(Lib)]
    public static partial int sigemptyset(void* signalSet);

    [LibraryImport(Lib)]
    public static partial int sigfillset(void* signalSet);

    [LibraryImport(Lib)]
    public static partial int sigdelset(void* signalSet, int signal);

    /// <summary>Decodes a <c>waitpid</c> status the way Python reports it: the exit code, or minus the signal number.</summary>
    public static int DecodeWaitStatus(int status)
    {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : -signal;
    }

    /// <summary>Throws an <see cref="IOException"/> for the last libc error.</summary>
    public static IOException LastError(string operation)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }
}
