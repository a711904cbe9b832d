using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ParallelGen;

namespace Hosting;

/// <summary>
/// Counts the primes below a growing limit, batch after batch, in the hosted pool's worker processes, reports the
/// pool's health after each batch, and stops the application after <c>Batches</c> batches (default 3).
/// </summary>
public sealed partial class PrimeCounter(ProcessPool pool, HealthCheckService health, IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<PrimeCounter> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int batches = configuration.GetValue("Batches", 3);
        for (int batch = 1; batch <= batches && !stoppingToken.IsCancellationRequested; batch++)
        {
            int limit = batch * 2_000_000;
            const int Chunk = 100_000;
            long[] counts = await pool.MapAsync(Primes.CountInRange, Enumerable.Range(0, limit / Chunk).Select(i => (i * Chunk, Chunk)));
            HealthReport report = await health.CheckHealthAsync(stoppingToken);
            LogBatch(logger, batch, counts.Sum(), limit, report.Status);
        }

        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {Batch}: {Count} primes below {Limit}; pool {Health}")]
    private static partial void LogBatch(ILogger logger, int batch, long count, int limit, HealthStatus health);
}

/// <summary>The CPU work the pool runs.</summary>
public static class Primes
{
    /// <summary>Counts the primes in [start, start + length).</summary>
    [ProcessTask]
    public static long CountInRange((int Start, int Length) range)
    {
        long count = 0;
        for (int n = range.Start; n < range.Start + range.Length; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsPrime(int n)
    {
        if (n < 2)
        {
            return false;
        }

        for (int d = 2; (long)d * d <= n; d++)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }
}
