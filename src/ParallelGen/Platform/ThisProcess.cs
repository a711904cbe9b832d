using ParallelGen.Platform.Linux;

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

        Environment.FailFast($"Exit {exitCode} requested on an unsupported system.");
    }

    /// <summary>
    /// Makes the operating system end this process the moment its parent dies, so a worker stuck in native code cannot
    /// outlive the parent; if the parent is already gone, exits. On Linux: <c>PR_SET_PDEATHSIG</c>, which the kernel ties
    /// to the parent's thread that created this process (see <see cref="PosixSpawn"/>).
    /// </summary>
    public static void DieWithParent(int parentPid)
    {
        if (!PlatformSupport.IsLinux)
        {
            throw PlatformSupport.NotSupported();
        }

        LibC.prctl(LibC.PR_SET_PDEATHSIG, LibC.SIGKILL, 0, 0, 0);
        if (LibC.getppid() != parentPid)
        {
            LibC._exit(0);
        }
    }
}
