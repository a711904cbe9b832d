using System.Runtime.InteropServices;

namespace ParallelGen.IntegrationTests;

/// <summary>Sends signals to processes the tests watch (parents of pools, workers to freeze).</summary>
internal static partial class Signals
{
    public const int SIGSTOP = 19;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; returns 0, or -1 if it could not.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Send(int pid, int signal);
}
