using ParallelGen.Platform.Linux;

namespace ParallelGen.Platform;

/// <summary>What a worker process asks of the operating system about itself.</summary>
internal static class CurrentProcess
{
    /// <summary>Ends the process at once with <paramref name="exitCode"/>: no finalizers, no exit handlers, whatever other threads are doing.</summary>
    public static void ExitNow(int exitCode) => LibC._exit(exitCode);

    /// <summary>
    /// Makes the kernel kill this process the moment its parent dies (<c>PR_SET_PDEATHSIG</c>), so a worker stuck in
    /// native code cannot outlive the parent. If the parent is already gone (it died before the signal was armed), exits.
    /// </summary>
    /// <remarks>The kernel ties the signal to the parent's thread that created this process: see <see cref="ChildProcess"/>.</remarks>
    public static void DieWithParent(int parentPid)
    {
        LibC.prctl(LibC.PR_SET_PDEATHSIG, LibC.SIGKILL, 0, 0, 0);
        if (LibC.getppid() != parentPid)
        {
            LibC._exit(0);
        }
    }
}
