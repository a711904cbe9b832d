using System.Diagnostics;
using ParallelGen.Benchmarks;
using Primes;

namespace ParallelGen.Compare;

/// <summary>The ParallelGen side of the comparison: the same workloads as python_mp.py, timed with a stopwatch.</summary>
internal static class Measurements
{
    public const int Workers = 2;
    public const int PrimeLimit = 2_000_000;
    public const int PrimeChunks = 64;

    /// <summary>Tenths of a second each item of the skewed workload sleeps, as in python_mp.py.</summary>
    public static readonly int[] Skewed = [5, 1, 3];

    public const int BatchPools = 10;
    public const int BatchWorkers = 4;
    public const int BatchItems = 100;

    /// <summary>
    /// Median time from <c>new ProcessPool(2)</c> until both workers have answered, each time with new worker processes
    /// (the idle workers an earlier pool parked for reuse are ended first).
    /// </summary>
    public static async Task<double> PoolStartMs()
    {
        List<double> samples = [];
        IReadOnlyList<int> previous = [];
        for (int i = 0; i < 5; i++)
        {
            // As a program's first pool starts: no parked workers to take, none of an earlier pool still exiting.
            ProcessPool.ReleaseIdleWorkers();
            WaitUntilExited(previous);
            Stopwatch watch = Stopwatch.StartNew();
            using ProcessPool pool = new(Workers);
            await pool.WaitForWorkersAsync();
            samples.Add(watch.Elapsed.TotalMilliseconds);
            previous = pool.WorkerPids;
        }

        ProcessPool.ReleaseIdleWorkers();
        return Median(samples);
    }

    /// <summary>Waits (at most 5 s each) until every one of <paramref name="pids"/> has exited.</summary>
    private static void WaitUntilExited(IReadOnlyList<int> pids)
    {
        foreach (int pid in pids)
        {
            try
            {
                using Process process = Process.GetProcessById(pid);
                process.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (ArgumentException)
            {
                // Gone already.
            }
        }
    }

    /// <summary>
    /// Steady state, as BenchmarkDotNet measures it: runs every workload until the tiered JIT (in the parent and in
    /// both workers) has compiled the hot paths, then lets the background compilation finish.
    /// </summary>
    public static async Task WarmUp(ProcessPool pool)
    {
        for (int round = 0; round < 3; round++)
        {
            ApplyMicroseconds(pool);
            ApplyAsyncPerSecond(pool, runs: 1);
            MapPerSecond(pool, chunkSize: null, runs: 1);
            await Task.Delay(300);
        }
    }

    public static double ApplyMicroseconds(ProcessPool pool)
    {
        List<double> samples = new(2000);
        for (int i = 0; i < 2000; i++)
        {
            long start = Stopwatch.GetTimestamp();
            pool.Apply(BenchTasks.Identity, i);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        return Median(samples);
    }

    public static double ApplyAsyncPerSecond(ProcessPool pool, int count = 100_000, int runs = 3)
    {
        return Best(runs, () =>
        {
            AsyncResult<int>[] pending = new AsyncResult<int>[count];
            Stopwatch watch = Stopwatch.StartNew();
            for (int i = 0; i < count; i++)
            {
                pending[i] = pool.ApplyAsync(BenchTasks.Identity, i);
            }

            foreach (AsyncResult<int> result in pending)
            {
                result.Wait();
            }

            return count / watch.Elapsed.TotalSeconds;
        });
    }

    public static double MapPerSecond(ProcessPool pool, int? chunkSize, int count = 1_000_000, int runs = 3)
    {
        int[] items = [.. Enumerable.Range(0, count)];
        return Best(runs, () =>
        {
            Stopwatch watch = Stopwatch.StartNew();
            int[] results = pool.Map(BenchTasks.Identity, items, chunkSize);
            double rate = results.Length / watch.Elapsed.TotalSeconds;
            return results[^1] == count - 1 ? rate : throw new InvalidOperationException("wrong result");
        });
    }

    /// <summary>
    /// Payload size over round-trip time, in MB/s (10^6 bytes), as python_mp.py reports it: five warm-up round trips,
    /// then the median of seven. With <paramref name="collectFirst"/>, a full GC in this process before each round trip
    /// (not timed), so that each result lands in memory the last one used rather than in fresh pages.
    /// </summary>
    public static double PayloadMegabytesPerSecond(ProcessPool pool, int size, bool collectFirst = false)
    {
        byte[] data = new byte[size];
        Random.Shared.NextBytes(data);
        List<double> samples = [];
        for (int i = 0; i < 12; i++)
        {
            if (collectFirst)
            {
                GC.Collect();
            }

            Stopwatch watch = Stopwatch.StartNew();
            byte[] back = pool.Apply(BenchTasks.Echo, data);
            double seconds = watch.Elapsed.TotalSeconds;
            if (back.Length != size || back[size / 2] != data[size / 2])
            {
                throw new InvalidOperationException("wrong echo");
            }

            if (i >= 5)
            {
                samples.Add(size / 1e6 / seconds);
            }
        }

        return Median(samples);
    }

    /// <summary>Median round trip of a task that receives a 64 MiB <see cref="SharedArray{T}"/>, and the bytes that cross.</summary>
    public static (double Microseconds, int WireBytes) SharedArrayHandOff(ProcessPool pool)
    {
        using SharedArray<byte> data = new(64 << 20);
        List<double> samples = [];
        for (int i = 0; i < 200; i++)
        {
            long start = Stopwatch.GetTimestamp();
            pool.Apply(BenchTasks.SharedLength, data);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        return (Median(samples), MemoryPack.MemoryPackSerializer.Serialize(data).Length);
    }

    /// <summary>Imap over 10 million lazily produced items; returns items/s and this process's peak working set.</summary>
    public static async Task<(double ItemsPerSecond, double PeakMegabytes)> ImapTenMillion()
    {
        using ProcessPool pool = new(Workers);
        await pool.WaitForWorkersAsync();
        const int Count = 10_000_000;
        Stopwatch watch = Stopwatch.StartNew();
        long sum = 0;
        foreach (int value in pool.Imap(BenchTasks.Identity, Enumerable.Range(0, Count), chunkSize: 1000))
        {
            sum += value;
        }

        double rate = Count / watch.Elapsed.TotalSeconds;
        if (sum != (long)Count * (Count - 1) / 2)
        {
            throw new InvalidOperationException("Imap lost or repeated items");
        }

        return (rate, Process.GetCurrentProcess().PeakWorkingSet64 / 1e6);
    }

    public static (double SerialMs, double PoolMs, double ParallelForMs, int Primes) CpuBound(ProcessPool pool)
    {
        (int Start, int End)[] ranges = [.. Enumerable.Range(0, PrimeChunks).Select(i => (PrimeLimit / PrimeChunks * i, PrimeLimit / PrimeChunks * (i + 1)))];
        int expected = 0;
        double serial = -Best(2, () =>
        {
            Stopwatch watch = Stopwatch.StartNew();
            expected = ranges.Sum(r => PrimeMath.CountPrimes(r.Start, r.End));
            return -watch.Elapsed.TotalMilliseconds;
        });
        double inPool = -Best(2, () =>
        {
            Stopwatch watch = Stopwatch.StartNew();
            int total = pool.Starmap(PrimeMath.CountPrimes, ranges, chunkSize: 1).Sum();
            return total == expected ? -watch.Elapsed.TotalMilliseconds : throw new InvalidOperationException("pool disagrees");
        });
        double parallelFor = -Best(2, () =>
        {
            int[] counts = new int[ranges.Length];
            Stopwatch watch = Stopwatch.StartNew();
            Parallel.For(0, ranges.Length, new ParallelOptions { MaxDegreeOfParallelism = Workers }, i => counts[i] = PrimeMath.CountPrimes(ranges[i].Start, ranges[i].End));
            return counts.Sum() == expected ? -watch.Elapsed.TotalMilliseconds : throw new InvalidOperationException("Parallel.For disagrees");
        });
        return (serial, inPool, parallelFor, expected);
    }

    /// <summary>
    /// Uneven work on <paramref name="pool"/> (2 workers): the median wall time of <c>Map(chunkSize: 1)</c> over items
    /// sleeping 500, 100 and 300 ms, and the order in which <c>ImapUnordered</c> gives their squares.
    /// </summary>
    public static (double Milliseconds, int[] UnorderedSquares) SkewedDurations(ProcessPool pool)
    {
        List<double> samples = [];
        for (int i = 0; i < 3; i++)
        {
            Stopwatch watch = Stopwatch.StartNew();
            int[] squares = pool.Map(BenchTasks.SleepSquare, Skewed, chunkSize: 1);
            samples.Add(watch.Elapsed.TotalMilliseconds);
            if (!squares.SequenceEqual(Skewed.Select(x => x * x)))
            {
                throw new InvalidOperationException("wrong squares");
            }
        }

        return (Median(samples), [.. pool.ImapUnordered(BenchTasks.SleepSquare, Skewed)]);
    }

    /// <summary>
    /// Pool-per-batch code, as Python tutorials write <c>with Pool(4) as p: p.map(...)</c>: the median, over three
    /// samples, of the total time of ten pools of 4 opened, given a <c>Map</c> of 100 trivial items, and disposed one
    /// after another. Each sample starts with no idle workers of earlier pools, so its first pool starts new processes
    /// and the next nine reuse them (<see cref="ProcessPoolOptions.ReuseWorkers"/>).
    /// </summary>
    public static double PoolPerBatchMs()
    {
        List<double> samples = [];
        for (int sample = 0; sample < 3; sample++)
        {
            ProcessPool.ReleaseIdleWorkers();
            Stopwatch watch = Stopwatch.StartNew();
            for (int i = 0; i < BatchPools; i++)
            {
                using ProcessPool pool = new(BatchWorkers);
                if (pool.Map(BenchTasks.Identity, Enumerable.Range(0, BatchItems))[^1] != BatchItems - 1)
                {
                    throw new InvalidOperationException("wrong batch");
                }
            }

            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return Median(samples);
    }

    public static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static double Best(int runs, Func<double> run)
    {
        double best = double.MinValue;
        for (int i = 0; i < runs; i++)
        {
            best = Math.Max(best, run());
        }

        return best;
    }
}
