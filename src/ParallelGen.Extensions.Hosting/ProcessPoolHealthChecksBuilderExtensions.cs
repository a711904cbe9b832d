using Microsoft.Extensions.Diagnostics.HealthChecks;
using ParallelGen;
using ParallelGen.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the health check of a pool registered with <c>AddProcessPool</c>.</summary>
public static class ProcessPoolHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of a pool registered with <c>AddProcessPool</c>: healthy while all its workers are alive,
    /// degraded while some are being replaced, unhealthy (<paramref name="failureStatus"/>) when it is not running
    /// (not started yet, stopping, stopped) or faulted (it cannot start workers). Its data: <c>workers</c>,
    /// <c>processes</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="poolName">The pool's name as given to <c>AddProcessPool</c>; <see langword="null"/> for the unkeyed pool.</param>
    /// <param name="name">The check's name. Default: <c>processpool</c>, or <c>processpool:{poolName}</c>.</param>
    /// <param name="failureStatus">What a failing check reports. Default: <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddProcessPoolCheck(
        this IHealthChecksBuilder builder,
        string? poolName = null,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string key = poolName ?? ProcessPoolOptions.DefaultName;
        return builder.Add(new HealthCheckRegistration(
            name ?? (poolName is null ? "processpool" : $"processpool:{poolName}"),
            provider => new ProcessPoolHealthCheck(provider.GetRequiredKeyedService<ProcessPoolService>(key)),
            failureStatus,
            tags));
    }
}
