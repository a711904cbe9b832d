using System.Diagnostics;
using ParallelGen;

namespace ParallelGen.TestHost;

/// <summary>
/// Recycles workers for a while (<c>MaxTasksPerWorker = 1000</c>, so every 10 000-item <c>Map</c> retires and replaces
/// ten of them) and checks that the parent keeps nothing of them: its managed heap, working set, open file
/// descriptors and shared-memory segments after warm-up must still be where they were at the end.
/// </summary>
internal static class Soak
{
    private const long HeapSlackBytes = 8_000_000;
    private const long WorkingSetSlackBytes = 48_000_000;

    /// <summary>A retiring worker and its successor can both be open when a sample is taken: three pipes each.</summary>
    private const int DescriptorSlack = 6;

    public static async Task<int> RunAsync(TimeSpan duration)
    {
        HashSet<int> workers = [];
        await using ProcessPool pool = new(new ProcessPoolOptions { Processes = 2, MaxTasksPerWorker = 1000 });
        int[] items = [.. Enumerable.Range(0, 10_000)];
        TimeSpan warmUp = TimeSpan.FromTicks(Math.Max(duration.Ticks / 10, TimeSpan.FromSeconds(2).Ticks));
        Stopwatch watch = Stopwatch.StartNew();
        long tasks = 0;
        Sample? baseline = null;
        long lastReport = -1;
        while (watch.Elapsed < duration || baseline is null)
        {
            int[] results = pool.Map(HostTasks.Leaky, items, chunkSize: 100);
            for (int i = 0; i < results.Length; i++)
            {
                if (results[i] != i)
                {
                    Console.WriteLine($"soak: FAIL, item {i} came back as {results[i]}");
                    return 1;
                }
            }

            tasks += results.Length;
            workers.UnionWith(pool.WorkerPids);
            if (baseline is null && watch.Elapsed >= warmUp)
            {
                baseline = Sample.Take();
                Console.WriteLine($"{watch.Elapsed.TotalSeconds,5:F0} s: baseline {baseline}");
            }

            if ((long)watch.Elapsed.TotalSeconds / 5 != lastReport)
            {
                lastReport = (long)watch.Elapsed.TotalSeconds / 5;
                Console.WriteLine($"{watch.Elapsed.TotalSeconds,5:F0} s: {tasks:N0} tasks, {workers.Count} workers seen so far; {Sample.Take()}");
            }
        }

        Sample end = Sample.Take();
        List<string> grew = [];
        if (end.HeapBytes > baseline.HeapBytes + HeapSlackBytes)
        {
            grew.Add("managed heap");
        }

        if (end.WorkingSetBytes > baseline.WorkingSetBytes + WorkingSetSlackBytes)
        {
            grew.Add("working set");
        }

        if (end.Descriptors > baseline.Descriptors + DescriptorSlack)
        {
            grew.Add("open file descriptors");
        }

        if (end.Segments > baseline.Segments)
        {
            grew.Add("shared-memory segments");
        }

        Console.WriteLine($"soak: {tasks:N0} tasks, {workers.Count} workers seen in {watch.Elapsed.TotalSeconds:F0} s; after warm-up {baseline}; at the end {end}");
        Console.WriteLine(grew.Count == 0 ? "soak: PASS" : $"soak: FAIL, grew: {string.Join(", ", grew)}");
        return grew.Count == 0 ? 0 : 1;
    }

    private sealed record Sample(long HeapBytes, long WorkingSetBytes, int Descriptors, int Segments)
    {
        public static Sample Take()
        {
            // A worker starting at this moment has a run cell whose name it removes once it has mapped it: only segments
            // still there a second look later count, as a leaked one would be.
            string[] early = Directory.GetFiles("/dev/shm", $"pg-{Environment.ProcessId}-*");
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Thread.Sleep(300);
            return new Sample(
                GC.GetGCMemoryInfo().HeapSizeBytes,
                Environment.WorkingSet,
                Directory.GetFileSystemEntries("/proc/self/fd").Length,
                Directory.GetFiles("/dev/shm", $"pg-{Environment.ProcessId}-*").Intersect(early).Count());
        }

        public override string ToString() =>
            $"heap {HeapBytes / 1e6:F1} MB, working set {WorkingSetBytes / 1e6:F1} MB, {Descriptors} descriptors, {Segments} segments";
    }
}
