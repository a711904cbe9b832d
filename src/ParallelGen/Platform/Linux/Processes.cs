using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Linux;

/// <summary>Questions about other processes, by pid.</summary>
[SupportedOSPlatform("linux")]
internal static class Processes
{
    /// <summary>Gets whether a process with this pid exists (a zombie counts until it is reaped).</summary>
    public static bool IsAlive(int pid) => LibC.kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() != LibC.ESRCH;
}
