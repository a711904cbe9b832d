using BenchmarkDotNet.Attributes;
using Primes;

namespace ParallelGen.Benchmarks;

/// <summary>Pool start-up: from <c>new ProcessPool(2)</c> until both workers have answered.</summary>
[MemoryDiagnoser]
[ShortProcessJob]
public class PoolStartBenchmarks
{
    [Benchmark]
    public async Task StartUntilAllWorkersAnswer()
    {
        using ProcessPool pool = new(2);
        await pool.WaitForWorkersAsync();
    }
}

/// <summary>Per-call costs of a warm pool: round trip, throughput of small tasks, Map at several chunk sizes.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CallBenchmarks
{
    private const int ApplyAsyncCount = 100_000;
    private ProcessPool _pool = null!;
    private int[] _items = null!;

    /// <summary>0 means the default chunk size (items / (workers × 4)).</summary>
    [Params(1, 64, 0)]
    public int ChunkSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = new ProcessPool(2);
        _pool.WaitForWorkersAsync().GetAwaiter().GetResult();
        _items = [.. Enumerable.Range(0, 1_000_000)];
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark]
    public int ApplyRoundTrip() => _pool.Apply(BenchTasks.Identity, 1);

    [Benchmark(OperationsPerInvoke = ApplyAsyncCount)]
    public void ApplyAsync100k()
    {
        AsyncResult<int>[] pending = new AsyncResult<int>[ApplyAsyncCount];
        for (int i = 0; i < pending.Length; i++)
        {
            pending[i] = _pool.ApplyAsync(BenchTasks.Identity, i);
        }

        foreach (AsyncResult<int> result in pending)
        {
            result.Wait();
        }
    }

    [Benchmark(OperationsPerInvoke = 1_000_000)]
    public int[] Map1M() => _pool.Map(BenchTasks.Identity, _items, ChunkSize == 0 ? null : ChunkSize);
}

/// <summary>Round trip of a <c>byte[]</c> payload to a worker and back.</summary>
[MemoryDiagnoser]
[ShortProcessJob]
public class PayloadBenchmarks
{
    private ProcessPool _pool = null!;
    private byte[] _payload = null!;

    [Params(1024, 1024 * 1024, 64 * 1024 * 1024)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = new ProcessPool(2);
        _payload = new byte[Bytes];
        Random.Shared.NextBytes(_payload);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark]
    public byte[] RoundTrip() => _pool.Apply(BenchTasks.Echo, _payload);
}

/// <summary>CPU-bound work: primes below 2 000 000 in 64 chunks, serially, in the pool, and with Parallel.For.</summary>
[MemoryDiagnoser]
[ShortProcessJob]
public class CpuBoundBenchmarks
{
    private const int Limit = 2_000_000;
    private const int Chunks = 64;
    private readonly (int Start, int End)[] _ranges = [.. Enumerable.Range(0, Chunks).Select(i => (Limit / Chunks * i, Limit / Chunks * (i + 1)))];
    private ProcessPool _pool = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pool = new ProcessPool(2);
        _pool.WaitForWorkersAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark(Baseline = true)]
    public int Serial() => _ranges.Sum(r => PrimeMath.CountPrimes(r.Start, r.End));

    [Benchmark]
    public int ProcessPool() => _pool.Starmap(PrimeMath.CountPrimes, _ranges, chunkSize: 1).Sum();

    [Benchmark]
    public int ParallelFor()
    {
        int[] counts = new int[_ranges.Length];
        Parallel.For(0, _ranges.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => counts[i] = PrimeMath.CountPrimes(_ranges[i].Start, _ranges[i].End));
        return counts.Sum();
    }
}

/// <summary>Imap over a 10-million-item lazy input: throughput here; the parent's peak working set is in the comparison (docs/performance.md).</summary>
[MemoryDiagnoser]
[ShortProcessJob]
public class ImapBenchmarks
{
    private ProcessPool _pool = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pool = new ProcessPool(2);
        _pool.WaitForWorkersAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark(OperationsPerInvoke = 10_000_000)]
    public long ImapTenMillionLazyItems()
    {
        long sum = 0;
        foreach (int value in _pool.Imap(BenchTasks.Identity, Enumerable.Range(0, 10_000_000), chunkSize: 1000))
        {
            sum += value;
        }

        return sum;
    }
}
