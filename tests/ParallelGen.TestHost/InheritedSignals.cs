using System.Runtime.InteropServices;

namespace ParallelGen.TestHost;

/// <summary>Signal dispositions this host puts right before it does anything else.</summary>
internal static class InheritedSignals
{
    private const int SIGINT = 2;
    private static readonly nint s_default = 0;
    private static readonly nint s_ignore = 1;

    /// <summary>
    /// Gives SIGINT its default action back if this process inherited it ignored. A shell without job control starts
    /// background jobs with SIGINT ignored (a suite started as <c>./test.sh &amp;</c> from a script, say), children
    /// inherit that and the runtime honours it, so the host would sit out the Ctrl-C test. Called first in Main, before
    /// the runtime's console set-up reads the disposition; a handler that is there already is left alone.
    /// </summary>
    public static void RestoreInterrupt()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        nint previous = signal(SIGINT, s_default);
        if (previous != s_ignore)
        {
            signal(SIGINT, previous);
        }
    }

    [DllImport("libc")]
    private static extern nint signal(int signal, nint handler);
}
