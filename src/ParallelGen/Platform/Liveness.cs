namespace ParallelGen.Platform;

/// <summary>Whether another process is still there, by its pid.</summary>
internal static class Liveness
{
    /// <summary>Gets whether a process with this pid exists.</summary>
    /// <exception cref="PlatformNotSupportedException">The system is not supported.</exception>
    public static bool IsAlive(int pid) =>
        PlatformSupport.IsLinux ? Linux.Processes.IsAlive(pid)
        : PlatformSupport.IsWindows ? Windows.Win32Processes.IsAlive(pid)
        : throw PlatformSupport.NotSupported();
}
