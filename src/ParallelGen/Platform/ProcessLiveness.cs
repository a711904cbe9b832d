using ParallelGen.Platform.Linux;

namespace ParallelGen.Platform;

/// <summary>Whether another process still runs, for shared objects that track which processes hold them.</summary>
internal static class ProcessLiveness
{
    /// <summary>Gets whether <paramref name="pid"/> names a running process (a zombie, dead but not yet reaped, counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        if (LibC.kill(pid, 0) != 0)
        {
            // ESRCH: gone. EPERM: the pid now belongs to another user's process, which cannot be one of ours.
            return false;
        }

        return !IsZombie(pid);
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // gone between the two checks
        }
    }
}
