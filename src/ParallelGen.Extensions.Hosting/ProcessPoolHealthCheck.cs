using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ParallelGen.Extensions.Hosting;

/// <summary>The health of one hosted pool: see <c>AddProcessPoolCheck</c>.</summary>
internal sealed class ProcessPoolHealthCheck(ProcessPoolService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        (ProcessPool? pool, bool running, Exception? fault) = service.Status;
        if (pool is null)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The process pool has not started."));
        }

        int workers = pool.WorkerPids.Count;
        Dictionary<string, object> data = new()
        {
            ["workers"] = workers,
            ["processes"] = pool.Processes,
        };
        HealthCheckResult result =
            fault is not null ? new(context.Registration.FailureStatus, $"Process pool {pool.Name} has no worker process and cannot start one.", fault, data)
            : !running ? new(context.Registration.FailureStatus, $"Process pool {pool.Name} is stopping or stopped.", data: data)
            : workers < pool.Processes || pool.Health != PoolHealth.Healthy ? HealthCheckResult.Degraded($"Process pool {pool.Name} has {workers} of {pool.Processes} worker processes alive.", data: data)
            : HealthCheckResult.Healthy($"Process pool {pool.Name} has all {workers} worker processes alive.", data);
        return Task.FromResult(result);
    }
}
