namespace ParallelGen.Pool;

/// <summary>The live pools of this process, so that its exit terminates their workers.</summary>
/// <remarks>
/// Workers also die on their own when the parent is killed (end of the control pipe, and <c>PR_SET_PDEATHSIG</c>),
/// but a normal exit that skipped <c>Dispose</c> should not wait for the kernel: this kills them at once.
/// </remarks>
internal static class PoolRegistry
{
    private static readonly HashSet<WeakReference<ProcessPool>> s_pools = [];
    private static bool s_hooked;

    public static void Add(ProcessPool pool)
    {
        lock (s_pools)
        {
            s_pools.RemoveWhere(w => !w.TryGetTarget(out _));
            s_pools.Add(new WeakReference<ProcessPool>(pool));
            if (!s_hooked)
            {
                s_hooked = true;
                AppDomain.CurrentDomain.ProcessExit += static (_, _) => TerminateAll();
            }
        }
    }

    private static void TerminateAll()
    {
        List<ProcessPool> pools = [];
        lock (s_pools)
        {
            foreach (WeakReference<ProcessPool> weak in s_pools)
            {
                if (weak.TryGetTarget(out ProcessPool? pool))
                {
                    pools.Add(pool);
                }
            }
        }

        foreach (ProcessPool pool in pools)
        {
            pool.Terminate();
        }

        // Idle workers the pools just handed on, and those of pools disposed earlier: no next pool is coming.
        IdleWorkers.ReleaseAll();
    }
}
