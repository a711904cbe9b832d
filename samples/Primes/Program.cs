using System.Diagnostics;
using ParallelGen;
using Primes;

// Counts the primes below a limit in 64 chunks, once serially and once in a pool of worker processes.
int limit = args.Length > 0 ? int.Parse(args[0]) : 10_000_000;
const int Chunks = 64;
(int Start, int End)[] ranges = [.. Enumerable.Range(0, Chunks).Select(i => ((int)((long)limit * i / Chunks), (int)((long)limit * (i + 1) / Chunks)))];

Console.WriteLine($"Counting primes below {limit:N0} in {Chunks} chunks on {Environment.ProcessorCount} cores.");

Stopwatch watch = Stopwatch.StartNew();
int serial = ranges.Sum(range => PrimeMath.CountPrimes(range.Start, range.End));
TimeSpan serialTime = watch.Elapsed;
Console.WriteLine($"serial:       {serial:N0} primes in {serialTime.TotalMilliseconds,8:F0} ms");

watch.Restart();
await using ProcessPool pool = new();
TimeSpan startTime = watch.Elapsed;

watch.Restart();
int[] counts = pool.Starmap(PrimeMath.CountPrimes, ranges, chunkSize: 1);
int parallel = counts.Sum();
TimeSpan poolTime = watch.Elapsed;
Console.WriteLine($"ProcessPool:  {parallel:N0} primes in {poolTime.TotalMilliseconds,8:F0} ms ({pool.Processes} worker processes, started in {startTime.TotalMilliseconds:F0} ms)");

Console.WriteLine($"speedup:      {serialTime / poolTime:F2}x");
if (serial != parallel)
{
    Console.Error.WriteLine($"MISMATCH: serial {serial} != pool {parallel}");
    return 1;
}

Console.WriteLine("results agree.");
return 0;
