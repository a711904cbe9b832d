using MemoryPack;
using ParallelGen;

namespace Cluster;

/// <summary>The work: count the primes in a range, and say where that ran.</summary>
public static class PrimeWork
{
    [ProcessTask]
    public static ChunkReport CountPrimes(int start, int end)
    {
        long began = System.Diagnostics.Stopwatch.GetTimestamp();
        int count = 0;
        for (int n = Math.Max(start, 2); n < end; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }
        }

        return new ChunkReport(count, ParallelGenNode.CurrentName ?? "(not a node)", Environment.ProcessId, System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds);
    }

    public static bool IsPrime(int n)
    {
        if (n < 4)
        {
            return n >= 2;
        }

        if (n % 2 == 0)
        {
            return false;
        }

        for (int d = 3; (long)d * d <= n; d += 2)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>What one chunk found, and where it ran.</summary>
[MemoryPackable]
public readonly partial record struct ChunkReport(int Primes, string Node, int WorkerPid, double Milliseconds);
