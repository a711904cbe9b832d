using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ParallelGen.Extensions.Hosting.Tests;

/// <summary>
/// A real generic host for one test, with fake logging: remembers every worker process its pools started, and on
/// dispose stops the host (if the test has not) and asserts that none of those processes is left alive.
/// </summary>
internal sealed class HostedPool : IAsyncDisposable
{
    private readonly HashSet<int> _seen = [];
    private bool _stopped;

    public HostedPool(Action<HostApplicationBuilder> configure, IDictionary<string, string?>? configuration = null, TimeSpan? shutdownTimeout = null)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.Logging.AddFakeLogging();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(30));
        configure(builder);
        Host = builder.Build();
        Logs = Host.Services.GetFakeLogCollector();
    }

    public IHost Host { get; }

    public FakeLogCollector Logs { get; }

    /// <summary>Starts the host and returns the unkeyed pool, or the pool registered under <paramref name="name"/>.</summary>
    public async Task<ProcessPool> StartAsync(string? name = null)
    {
        await Host.StartAsync();
        return Watch(name is null ? Host.Services.GetRequiredService<ProcessPool>() : Host.Services.GetRequiredKeyedService<ProcessPool>(name));
    }

    /// <summary>Remembers the pool's workers, those alive now and those it starts later.</summary>
    public ProcessPool Watch(ProcessPool pool)
    {
        pool.WorkerStarted += (_, e) => Remember([e.WorkerPid]);
        Remember(pool.WorkerPids);
        return pool;
    }

    public async Task StopAsync()
    {
        _stopped = true;
        await Host.StopAsync();
    }

    /// <summary>The messages logged with <paramref name="eventName"/>.</summary>
    public FakeLogRecord[] Logged(string eventName) => [.. Logs.GetSnapshot().Where(r => r.Id.Name == eventName)];

    /// <summary>Waits until something is logged with <paramref name="eventName"/> (events are raised on the pool's callback queue).</summary>
    public async Task<FakeLogRecord> WaitForLogAsync(string eventName)
    {
        Stopwatch watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (Logged(eventName) is [var first, ..])
            {
                return first;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Nothing was logged as {eventName}; logged: {string.Join(" | ", Logs.GetSnapshot().Select(r => $"{r.Id.Name}: {r.Message}"))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await Host.StopAsync();
        }

        Host.Dispose();
        int[] seen;
        lock (_seen)
        {
            seen = [.. _seen];
        }

        Assert.Empty(await StillAlive(seen, TimeSpan.FromSeconds(5)));
    }

    /// <summary>The processes of <paramref name="pids"/> still running after <paramref name="timeout"/>.</summary>
    public static async Task<int[]> StillAlive(IEnumerable<int> pids, TimeSpan timeout)
    {
        Stopwatch watch = Stopwatch.StartNew();
        int[] alive = [.. pids];
        do
        {
            alive = [.. alive.Where(IsAlive)];
            if (alive.Length == 0)
            {
                break;
            }

            await Task.Delay(20);
        }
        while (watch.Elapsed < timeout);
        return alive;
    }

    private static bool IsAlive(int pid)
    {
        // The pool reaps its workers, so an exited one leaves no zombie behind: no /proc entry means gone.
        return Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
    }

    private void Remember(IEnumerable<int> pids)
    {
        lock (_seen)
        {
            _seen.UnionWith(pids);
        }
    }
}
