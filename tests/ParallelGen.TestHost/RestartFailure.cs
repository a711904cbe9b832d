using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ParallelGen;

namespace ParallelGen.TestHost;

/// <summary>
/// The <c>restart-failure</c> mode: this process runs out of file descriptors, so the pool cannot start replacement
/// workers, while its workers are killed one after the other; then the descriptors are freed. It prints one line per
/// stage (<c>degraded:</c>, <c>unavailable:</c>, <c>recovered:</c>), which the integration test checks.
/// </summary>
internal static class RestartFailure
{
    private const int RlimitNoFile = 7;

    public static int Run()
    {
        using ProcessPool pool = new(new ProcessPoolOptions { Processes = 2, ReuseWorkers = false });
        pool.WaitForWorkersAsync().Wait();
        int[] pids = [.. pool.WorkerPids];

        // Short of descriptors the runtime can neither load an assembly nor start a thread (each new thread opens a
        // pipe): load what the stages use, and start the timer thread and enough pool threads, first.
        Print("start", () => $"{string.Join(",", pids)} {pool.Apply(HostTasks.Pid)} {pool.Map(HostTasks.Square, Enumerable.Range(0, 100)).Sum()} health={pool.Health}");
        Print("warm-up", () => throw new IOException("not an error"));
        ThreadPool.SetMinThreads(16, 16);
        Task.WaitAll([.. Enumerable.Range(0, 16).Select(_ => Task.Run(() => Thread.Sleep(50)))]);
        Task.Delay(10).Wait();
        using DescriptorHog hog = new();

        // 1. One worker dies and cannot be replaced: the other one serves every call.
        hog.KillWorker(pids[0]);
        WaitUntil(() => !pool.WorkerPids.Contains(pids[0]), TimeSpan.FromSeconds(10));
        Thread.Sleep(500); // replacement attempts fail meanwhile
        Print("degraded", () => $"{string.Join(",", Enumerable.Range(0, 20).Select(_ => pool.Apply(HostTasks.Pid)).Distinct())} health={pool.Health}");

        // 2. The last worker dies too: with no worker at all, calls fail with the cause.
        hog.KillWorker(pids[1]);
        WaitUntil(() => pool.WorkerPids.Count == 0, TimeSpan.FromSeconds(10));
        WaitUntil(() => pool.Health == PoolHealth.Unavailable, TimeSpan.FromSeconds(10));
        Print("unavailable", () => $"{pool.Apply(HostTasks.Pid)} health={pool.Health}");

        // 3. The descriptors come back: the pool starts its workers again and is whole.
        hog.Dispose();
        WaitUntil(() => pool.Health == PoolHealth.Healthy && pool.WorkerPids.Count == 2, TimeSpan.FromSeconds(20));
        Print("recovered", () => $"{pool.WorkerPids.Count} workers, {pool.Map(HostTasks.Square, Enumerable.Range(0, 100)).Sum()} health={pool.Health}");
        return 0;
    }

    private static void Print(string stage, Func<string> probe)
    {
        string line;
        try
        {
            line = $"{stage}: ok {probe()}";
        }
        catch (Exception e)
        {
            line = $"{stage}: error {e.GetType().Name}: {e.Message}";
        }

        Console.WriteLine(line);
        Console.Out.Flush();
    }

    private static void Kill(int pid) => _ = kill(pid, 9);

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        Stopwatch watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < timeout)
        {
            Thread.Sleep(10);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    /// <summary>
    /// Holds this process's free descriptors. Starting a worker needs at least six at once (three pipes); the runtime
    /// itself needs one or two now and then (a new thread opens files), so the hog leaves three free: enough for the
    /// runtime, too few for a worker.
    /// </summary>
    private sealed class DescriptorHog : IDisposable
    {
        public const int Reserve = 3;

        private readonly List<SafeFileHandle> _held = [];
        private readonly RLimit _original;
        private bool _disposed;

        public DescriptorHog()
        {
            // A low limit first, so that running out takes a few dozen descriptors, not a million.
            _ = getrlimit(RlimitNoFile, out _original);
            int open = Directory.GetFiles("/proc/self/fd").Length;
            RLimit low = _original with { Current = (ulong)(open + 64) };
            _ = setrlimit(RlimitNoFile, low);
            TakeAll();
            Release(Reserve);
        }

        /// <summary>Kills <paramref name="pid"/> so that its pipes' descriptors become the reserve: none is left over for a replacement.</summary>
        public void KillWorker(int pid)
        {
            TakeAll();
            Kill(pid);
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Release(_held.Count);
            _ = setrlimit(RlimitNoFile, _original);
        }

        private void TakeAll()
        {
            while (true)
            {
                try
                {
                    _held.Add(File.OpenHandle("/dev/null"));
                }
                catch (IOException)
                {
                    return; // EMFILE: none left
                }
            }
        }

        private void Release(int count)
        {
            for (int i = 0; i < count && _held.Count > 0; i++)
            {
                _held[^1].Dispose();
                _held.RemoveAt(_held.Count - 1);
            }
        }
    }
}
