using System.Diagnostics;

namespace ParallelGen.WindowsTests;

/// <summary>
/// A pool for one test: remembers every worker it ever had (replacements too), and on dispose disposes the pool, ends
/// the idle workers it parked for reuse, and asserts that none of those processes is left, so a test can neither hang the run nor leak workers.
/// </summary>
internal sealed class TestPool : IDisposable
{
    private readonly HashSet<int> _seen = [];

    public TestPool(int processes = 2, ProcessPoolOptions? options = null)
    {
        options ??= new ProcessPoolOptions();
        options.Processes ??= processes;
        Pool = new ProcessPool(options);
        Pool.WorkerStartedForTesting += pid =>
        {
            lock (_seen)
            {
                _seen.Add(pid);
            }
        };
    }

    public ProcessPool Pool { get; }

    public void Dispose()
    {
        lock (_seen)
        {
            _seen.UnionWith(Pool.WorkerPids);
        }

        Pool.Dispose();
        ProcessPool.ReleaseIdleWorkers(); // a disposed pool parks its idle workers for the next pool (ReuseWorkers)
        int[] seen;
        lock (_seen)
        {
            seen = [.. _seen];
        }

        OsProcesses.AssertAllExited(seen, TimeSpan.FromSeconds(10));
    }
}

/// <summary>Questions about OS processes that hold on both systems.</summary>
internal static class OsProcesses
{
    public static bool IsAlive(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for every process to be gone; returns the milliseconds it took.</summary>
    public static long WaitUntilGone(IEnumerable<int> pids, TimeSpan timeout)
    {
        Stopwatch watch = Stopwatch.StartNew();
        List<int> alive = [.. pids.Where(IsAlive)];
        while (alive.Count > 0 && watch.Elapsed < timeout)
        {
            Thread.Sleep(20);
            alive = [.. alive.Where(IsAlive)];
        }

        return watch.ElapsedMilliseconds;
    }

    public static void AssertAllExited(IEnumerable<int> pids, TimeSpan timeout)
    {
        int[] all = [.. pids];
        WaitUntilGone(all, timeout);
        int[] alive = [.. all.Where(IsAlive)];
        foreach (int pid in alive)
        {
            try
            {
                using Process process = Process.GetProcessById(pid);
                process.Kill(); // so one failing test does not leak into the next
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }

        Assert.True(alive.Length == 0, $"Processes still alive: {string.Join(", ", alive)}");
    }
}

/// <summary>Runs test bodies with a hard deadline, so a bug cannot hang the run.</summary>
internal static class Deadline
{
    /// <summary>Generous: process start under Wine is several times slower than on Linux.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(120);

    public static Task Run(Action body, TimeSpan? timeout = null) =>
        Task.Run(body).WaitAsync(timeout ?? Default);

    public static Task Run(Func<Task> body, TimeSpan? timeout = null) =>
        Task.Run(body).WaitAsync(timeout ?? Default);
}
