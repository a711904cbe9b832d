using System.Diagnostics;
using ParallelGen;

namespace ParallelGen.TestHost;

/// <summary>
/// The <c>rates</c> mode: the scheduler's figures, measured as <c>benchmarks/compare</c> measures them, for quick runs
/// while working on the scheduler (the comparison itself, with Python side by side, is the reference).
/// </summary>
internal static class Rates
{
    public static async Task<int> RunAsync(bool throughputOnly = false)
    {
        using (ProcessPool pool = new(new ProcessPoolOptions { Processes = 2, ReuseWorkers = false }))
        {
            await pool.WaitForWorkersAsync();
            for (int round = 0; round < 3; round++)
            {
                ApplyAsyncPerSecond(pool, runs: 1);
                MapPerSecond(pool, runs: 1);
                await Task.Delay(300);
            }

            Console.WriteLine($"apply_async_per_s {ApplyAsyncPerSecond(pool, runs: 3):F0}");
            Console.WriteLine($"map_per_s {MapPerSecond(pool, runs: 3):F0}");
            if (throughputOnly)
            {
                return 0;
            }

            List<double> skewed = [];
            for (int i = 0; i < 3; i++)
            {
                Stopwatch watch = Stopwatch.StartNew();
                pool.Map(HostTasks.SleepSquare, new[] { 5, 1, 3 }, chunkSize: 1);
                skewed.Add(watch.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"skewed_ms {Median(skewed):F0} order [{string.Join(", ", pool.ImapUnordered(HostTasks.SleepSquare, new[] { 5, 1, 3 }))}]");
            Console.WriteLine($"quick_behind_endless_ms {QuickCalls(pool, endless: true):F1}");
        }

        using (ProcessPool one = new(new ProcessPoolOptions { Processes = 1, ReuseWorkers = false }))
        {
            await one.WaitForWorkersAsync();
            QuickCalls(one, endless: false);
            Console.WriteLine($"quick_on_one_worker_ms {QuickCalls(one, endless: false):F1}");
        }

        List<double> batches = [];
        for (int sample = 0; sample < 3; sample++)
        {
            Stopwatch watch = Stopwatch.StartNew();
            for (int i = 0; i < 10; i++)
            {
                using ProcessPool pool = new(4);
                if (pool.Map(HostTasks.Identity, Enumerable.Range(0, 100))[^1] != 99)
                {
                    throw new InvalidOperationException("wrong batch");
                }
            }

            batches.Add(watch.Elapsed.TotalMilliseconds);
            ProcessPool.ReleaseIdleWorkers(); // every sample starts its workers once
        }

        Console.WriteLine($"pool_per_batch_ms {Median(batches):F0}");
        return 0;
    }

    /// <summary>200 calls of 200 µs, behind a call that never ends if <paramref name="endless"/>; the time until all are done.</summary>
    private static double QuickCalls(ProcessPool pool, bool endless)
    {
        for (int i = 0; i < 3; i++)
        {
            Task.WaitAll([.. Enumerable.Range(0, 2000).Select(x => pool.ApplyAsync(HostTasks.Identity, x).AsTask())]);
        }

        if (endless)
        {
            _ = pool.ApplyAsync(HostTasks.Nap, Timeout.Infinite);
        }

        Stopwatch watch = Stopwatch.StartNew();
        Task.WaitAll([.. Enumerable.Range(0, 200).Select(x => pool.ApplyAsync(HostTasks.Spin, x).AsTask())]);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double ApplyAsyncPerSecond(ProcessPool pool, int runs)
    {
        const int Count = 100_000;
        double best = 0;
        for (int run = 0; run < runs; run++)
        {
            AsyncResult<int>[] pending = new AsyncResult<int>[Count];
            Stopwatch watch = Stopwatch.StartNew();
            for (int i = 0; i < Count; i++)
            {
                pending[i] = pool.ApplyAsync(HostTasks.Identity, i);
            }

            foreach (AsyncResult<int> result in pending)
            {
                result.Wait();
            }

            best = Math.Max(best, Count / watch.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static double MapPerSecond(ProcessPool pool, int runs)
    {
        int[] items = [.. Enumerable.Range(0, 1_000_000)];
        double best = 0;
        for (int run = 0; run < runs; run++)
        {
            Stopwatch watch = Stopwatch.StartNew();
            int[] results = pool.Map(HostTasks.Identity, items);
            best = Math.Max(best, results.Length / watch.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
