using ParallelGen.Platform.Linux;
using ParallelGen.Platform.Windows;

namespace ParallelGen.Platform;

/// <summary>What a worker process asks of the operating system about itself.</summary>
internal static class ThisProcess
{
    /// <summary>Ends the process at once with <paramref name="exitCode"/>: no finalizers, no exit handlers, whatever other threads are doing.</summary>
    public static void ExitNow(int exitCode)
    {
        if (PlatformSupport.IsLinux)
        {
            LibC._exit(exitCode);
        }
        else if (PlatformSupport.IsWindows)
        {
            Win32Processes.ExitNow(exitCode);
        }

        Environment.FailFast($"Exit {exitCode} requested on an unsupported system.");
    }

    /// <summary>
    /// Makes the operating system signal this process (SIGTERM) the moment its parent dies, whatever its threads are
    /// doing, so that a worker stuck in native code still hears of it; if the parent is already gone, exits. The caller
    /// handles SIGTERM first (and ends the process there when <see cref="IsOrphanOf"/> says the parent is gone). On
    /// Linux: <c>PR_SET_PDEATHSIG</c>, which the kernel ties to the parent's thread that created this process (see
    /// <see cref="PosixSpawn"/>). On Windows the parent put this process in a job that dies with it (see
    /// <see cref="WorkerJob"/>), so this only checks that the parent is there.
    /// </summary>
    public static void DieWithParent(int parentPid)
    {
        if (PlatformSupport.IsWindows)
        {
            if (!Win32Processes.IsAlive(parentPid))
            {
                Win32Processes.ExitNow(0);
            }

            return;
        }

        if (!PlatformSupport.IsLinux)
        {
            throw PlatformSupport.NotSupported();
        }

        LibC.prctl(LibC.PR_SET_PDEATHSIG, LibC.SIGTERM, 0, 0, 0);
        if (LibC.getppid() != parentPid)
        {
            LibC._exit(0);
        }
    }

    /// <summary>Gets whether the process that started this one, <paramref name="parentPid"/>, has died (this one has been handed to another parent).</summary>
    public static bool IsOrphanOf(int parentPid) =>
        PlatformSupport.IsLinux ? LibC.getppid() != parentPid
        : PlatformSupport.IsWindows ? !Win32Processes.IsAlive(parentPid)
        : throw PlatformSupport.NotSupported();

    /// <summary>
    /// Ends this process at once, and with it every process in its process group if it leads one (the processes its
    /// tasks started and did not move elsewhere); otherwise as <see cref="ExitNow"/>.
    /// </summary>
    public static void EndWithDescendants(int exitCode)
    {
        if (PlatformSupport.IsLinux && LibC.getpgrp() == LibC.getpid())
        {
            // The whole group, this process included: nothing of it is left to be re-parented.
            LibC.kill(0, LibC.SIGKILL);
        }

        ExitNow(exitCode);
    }

    /// <summary>
    /// Removes a variable from the C library's environment as well as from .NET's copy of it, so that processes started
    /// through libc (<c>system()</c>, <c>posix_spawn</c> with <c>environ</c>) do not get it either.
    /// </summary>
    /// <remarks>Call it early, before threads of this process's own may read the environment: <c>unsetenv</c> is not safe beside a concurrent <c>getenv</c>.</remarks>
    public static void RemoveEnvironmentVariable(string name)
    {
        Environment.SetEnvironmentVariable(name, null);
        if (PlatformSupport.IsLinux)
        {
            LibC.unsetenv(name);
        }
    }
}
