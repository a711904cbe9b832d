using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace ParallelGen.Extensions.Hosting.Tests;

public sealed class HostingTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public Task The_pool_starts_with_the_host_runs_calls_in_workers_and_takes_options_from_configuration_then_code() => Run(async () =>
    {
        await using HostedPool host = new(
            b => b.Services.AddProcessPool(o => o.MaxTasksPerWorker = 50),
            new Dictionary<string, string?>
            {
                ["ParallelGen:Pools:ProcessPool:Processes"] = "3",
                ["ParallelGen:Pools:ProcessPool:MaxTasksPerWorker"] = "7",
                ["ParallelGen:Pools:ProcessPool:TaskTimeout"] = "00:00:30",
                ["ParallelGen:Pools:ProcessPool:IdleWorkerTimeout"] = "00:00:02",
                ["ParallelGen:Pools:ProcessPool:ConcurrentCallbacks"] = "true",
            });
        ProcessPool pool = await host.StartAsync();

        Assert.Equal(3, pool.Processes);
        Assert.Equal(ProcessPoolOptions.DefaultName, pool.Name);
        ProcessPoolOptions options = host.Host.Services.GetRequiredService<IOptions<ProcessPoolOptions>>().Value;
        Assert.Equal(50, options.MaxTasksPerWorker); // code after configuration
        Assert.Equal(TimeSpan.FromSeconds(30), options.TaskTimeout);
        Assert.Equal((TimeSpan.FromSeconds(2), true), (options.IdleWorkerTimeout, options.ConcurrentCallbacks));
        Assert.False(options.ReuseWorkers); // a hosted pool's default: its workers end with the host
        Assert.Same(pool, host.Host.Services.GetRequiredService<ProcessPool>());

        int[] pids = await pool.MapAsync(HostingWork.Pid, Enumerable.Range(0, 12), chunkSize: 1);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.Single(host.Logged("PoolStarted"));
        Assert.Contains("started with 3 worker processes", host.Logged("PoolStarted")[0].Message);
    });

    [Fact]
    public Task Named_pools_are_keyed_services_with_their_own_configuration_and_a_name_is_registered_once() => Run(async () =>
    {
        await using HostedPool host = new(
            b =>
            {
                b.Services.AddProcessPool("images", o => o.Processes = 1);
                b.Services.AddProcessPool("reports");
                Assert.Throws<InvalidOperationException>(() => b.Services.AddProcessPool("images"));
            },
            new Dictionary<string, string?> { ["ParallelGen:Pools:reports:Processes"] = "2" });
        ProcessPool images = await host.StartAsync("images");
        ProcessPool reports = host.Watch(host.Host.Services.GetRequiredKeyedService<ProcessPool>("reports"));

        Assert.NotSame(images, reports);
        Assert.Equal(("images", 1), (images.Name, images.Processes));
        Assert.Equal(("reports", 2), (reports.Name, reports.Processes));
        Assert.Null(host.Host.Services.GetService<ProcessPool>());
        Assert.Equal(4, await images.ApplyAsync(HostingWork.SleepThenSquare, 2, 0));
        Assert.Equal(9, await reports.ApplyAsync(HostingWork.SleepThenSquare, 3, 0));
    });

    [Fact]
    public Task A_bad_configuration_value_fails_the_host_start_naming_its_key() => Run(async () =>
    {
        await using HostedPool host = new(
            b => b.Services.AddProcessPool(),
            new Dictionary<string, string?> { ["ParallelGen:Pools:ProcessPool:Processes"] = "many" });
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("ParallelGen:Pools:ProcessPool:Processes", error.Message);
    });

    [Fact]
    public Task An_option_out_of_range_fails_the_host_start_and_is_logged() => Run(async () =>
    {
        await using HostedPool host = new(b => b.Services.AddProcessPool(o => o.Processes = 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.StartAsync());
        Assert.Single(host.Logged("PoolStartFailed"));
    });

    [Fact]
    public Task Stopping_the_host_lets_running_calls_finish_after_the_services_that_use_the_pool_have_stopped() => Run(async () =>
    {
        await using HostedPool host = new(b =>
        {
            // Registered before the pool: hosted services stop in reverse order, so it stops after the pool's service
            // stopped, and it can still call the pool in its own StopAsync.
            b.Services.AddSingleton<LastCallOnStop>();
            b.Services.AddHostedService(p => p.GetRequiredService<LastCallOnStop>());
            b.Services.AddProcessPool(o => o.Processes = 1);
        });
        ProcessPool pool = await host.StartAsync();
        Task<int> running = pool.ApplyAsync(HostingWork.SleepThenSquare, 5, 700).AsTask();

        await host.StopAsync();

        Assert.True(running.IsCompletedSuccessfully);
        Assert.Equal(25, running.Result);
        Assert.Equal(49, await host.Host.Services.GetRequiredService<LastCallOnStop>().Result);
        Assert.Single(host.Logged("PoolClosed"));
        Assert.Empty(host.Logged("PoolTerminated"));
        Assert.Empty(await HostedPool.StillAlive(pool.WorkerPids, TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => pool.Apply(HostingWork.Pid, 0));
    });

    [Fact]
    public Task Calls_still_running_at_the_shutdown_timeout_are_cancelled_and_the_workers_terminated() => Run(async () =>
    {
        await using HostedPool host = new(b => b.Services.AddProcessPool(o => o.Processes = 1), shutdownTimeout: TimeSpan.FromMilliseconds(500));
        ProcessPool pool = await host.StartAsync();
        int[] workers = [.. pool.WorkerPids];
        Task<int> stuck = pool.ApplyAsync(HostingWork.SleepThenSquare, 5, 60_000).AsTask();
        await host.WaitForLogAsync("PoolStarted");

        System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();
        await host.StopAsync();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"The host took {watch.Elapsed} to stop.");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck);
        Assert.Single(host.Logged("PoolTerminated"));
        Assert.Empty(await HostedPool.StillAlive(workers, TimeSpan.FromSeconds(5)));
    });

    [Fact]
    public Task Crashes_restarts_and_timeouts_are_logged_with_their_details() => Run(async () =>
    {
        await using HostedPool host = new(b => b.Services.AddProcessPool("logged", o =>
        {
            o.Processes = 1;
            o.TaskTimeout = TimeSpan.FromMilliseconds(300);
        }));
        ProcessPool pool = await host.StartAsync("logged");

        await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.ApplyAsync(HostingWork.Crash, 7).AsTask());
        FakeLogRecord crash = await host.WaitForLogAsync("WorkerCrashed");
        Assert.Equal(LogLevel.Error, crash.Level);
        Assert.Equal("logged", crash.GetStructuredStateValue("PoolName"));
        Assert.Equal("7", crash.GetStructuredStateValue("ExitCode"));
        Assert.Equal("1", crash.GetStructuredStateValue("FailedCalls"));
        await host.WaitForLogAsync("WorkerRestarted");

        await Assert.ThrowsAsync<TimeoutException>(() => pool.ApplyAsync(HostingWork.SleepThenSquare, 1, 10_000).AsTask());
        FakeLogRecord timeout = await host.WaitForLogAsync("WorkerTimedOut");
        Assert.Equal(LogLevel.Warning, timeout.Level);
        Assert.Contains(nameof(HostingWork.SleepThenSquare), timeout.GetStructuredStateValue("TaskName"));
        Assert.Equal(4, await pool.ApplyAsync(HostingWork.SleepThenSquare, 2, 0));
    });

    [Fact]
    public Task The_health_check_reports_a_running_pool_healthy_a_faulted_one_and_a_stopped_one_unhealthy() => Run(async () =>
    {
        await using HostedPool host = new(b =>
        {
            b.Services.AddProcessPool(o => o.Processes = 2);
            b.Services.AddProcessPool("broken", o =>
            {
                o.Processes = 1;
                o.Initializer = PoolInitializer.Create(HostingWork.FailToStart);
            });
            b.Services.AddHealthChecks().AddProcessPoolCheck().AddProcessPoolCheck("broken", tags: ["pools"]);
        });
        HealthCheckService health = host.Host.Services.GetRequiredService<HealthCheckService>();
        HealthReport before = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, before.Entries["processpool"].Status); // not started

        ProcessPool pool = await host.StartAsync();
        host.Watch(host.Host.Services.GetRequiredKeyedService<ProcessPool>("broken"));
        await pool.WaitForWorkersAsync();
        HealthReportEntry running = (await health.CheckHealthAsync()).Entries["processpool"];
        Assert.Equal(HealthStatus.Healthy, running.Status);
        Assert.Equal(2, running.Data["workers"]);

        await host.WaitForLogAsync("PoolUnavailable");
        HealthReportEntry broken = (await health.CheckHealthAsync(r => r.Tags.Contains("pools"))).Entries["processpool:broken"];
        Assert.Equal(HealthStatus.Unhealthy, broken.Status);
        Assert.IsType<WorkerCrashedException>(broken.Exception);
        Assert.Equal(LogLevel.Critical, host.Logged("PoolUnavailable")[0].Level);

        await host.StopAsync();
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync()).Entries["processpool"].Status);
    });

    private static Task Run(Func<Task> body) => Task.Run(body).WaitAsync(s_deadline);

    /// <summary>A hosted service that calls the pool while the host stops, as a service draining its own work would.</summary>
    private sealed class LastCallOnStop(IServiceProvider services) : IHostedService
    {
        private readonly TaskCompletionSource<int> _result = new();

        public Task<int> Result => _result.Task;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            ProcessPool pool = services.GetRequiredService<ProcessPool>();
            _result.SetResult(await pool.ApplyAsync(HostingWork.SleepThenSquare, 7, 100));
        }
    }
}
