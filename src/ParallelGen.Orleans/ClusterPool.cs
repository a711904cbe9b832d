using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ParallelGen.Coordinator;
using ParallelGen.Grains;
using ParallelGen.Hosting;
using ParallelGen.Transport;

namespace ParallelGen;

/// <summary>
/// A <see cref="ProcessPool"/> whose workers are the worker processes of the nodes of a cluster, on Orleans: every call
/// shape (<c>Map</c>, <c>Apply</c>, <c>Imap</c>, ...) and its checks, errors, progress, cancellation and retries work
/// unchanged, through the same scheduler. Only the construction line changes:
/// <c>await using var pool = await ClusterPool.StartAsync(new ClusterPoolOptions { Listen = 11111 });</c>
/// </summary>
/// <remarks>
/// <para>The coordinator (this process) joins the cluster as an Orleans silo that runs no task; worker nodes are the
/// application's own program started with <c>--pg-node --join host:port</c> (see <see cref="ParallelGenNode"/>). Calls
/// queue until nodes are there; a node that joins in the middle of a call gets work at once.</para>
/// <para>A node that is lost fails the calls it held with <see cref="NodeLostException"/> (a
/// <see cref="WorkerCrashedException"/>) within the failure-detection time; <c>MaxRetries</c> re-runs them on other
/// nodes. See docs/cluster.md for the semantics, tuning and security.</para>
/// </remarks>
public sealed class ClusterPool : ProcessPool
{
    private readonly ClusterBackend _backend;
    private readonly IHost? _host;
    private int _released;

    private ClusterPool(ClusterPoolOptions options, ClusterBackend backend, IHost? host, IPEndPoint endpoint)
        : base(options.ToSchedulerOptions(), backend, TimeProvider.System)
    {
        _backend = backend;
        _host = host;
        Endpoint = endpoint;
        backend.Start();
    }

    /// <summary>Gets the coordinator's endpoint: what nodes <c>--join</c>.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Gets the nodes attached now.</summary>
    public IReadOnlyList<ClusterNodeInfo> Nodes => _backend.Nodes;

    /// <summary>Gets why nodes were refused (built from different code, say), one message per node.</summary>
    public IReadOnlyList<string> RefusedNodes => _backend.Refusals;

    /// <inheritdoc/>
    internal override int WorkerCapacity => _backend.Capacity;

    /// <summary>Starts the coordinator: an Orleans silo that hosts no worker, listening for nodes.</summary>
    /// <param name="options">The cluster and pool settings.</param>
    /// <param name="cancellationToken">Stops waiting for the silo to start.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static async Task<ClusterPool> StartAsync(ClusterPoolOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        IPEndPoint listen = SiloSetup.WithPort(new IPEndPoint(options.ListenAddress, options.Listen));
        IPEndPoint advertised = new(SiloSetup.Advertise(listen, options.AdvertisedAddress), listen.Port);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "ParallelGen coordinator" });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.UseOrleans(silo =>
        {
            SiloSetup.ConfigureNetwork(silo, new SiloSettings(
                options.ClusterId,
                listen,
                advertised.Address,
                options.Redis is null ? advertised : null,
                options.Redis,
                options.Tls,
                options.ProbeTimeout,
                MissedProbesLimit: 3));
            SiloSetup.ConfigureRole(silo, coordinator: true);
            options.ConfigureSilo?.Invoke(silo);
        });
        IHost host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return Create(host.Services, options, host, advertised);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Creates a cluster pool on a coordinator silo that is already running (in-process test clusters).</summary>
    internal static ClusterPool Create(IServiceProvider silo, ClusterPoolOptions options, IHost? host, IPEndPoint endpoint)
    {
        options.Validate();
        ClusterBackend backend = new(silo, Profile(options), options.Name ?? $"{Environment.MachineName}:{Environment.ProcessId}", options.MaxMessageSize);
        try
        {
            return new ClusterPool(options, backend, host, endpoint);
        }
        catch
        {
            backend.Release();
            throw;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> nodes are attached (calls never need this: they queue until nodes come).</summary>
    /// <param name="count">How many nodes.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task WaitForNodesAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return _backend.WaitForNodesAsync(count, cancellationToken);
    }

    /// <inheritdoc/>
    internal override Task WaitForWorkersCoreAsync(CancellationToken cancellationToken) => _backend.WaitForLanesAsync(cancellationToken);

    /// <inheritdoc/>
    internal override void ReleaseBackend()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _backend.Release();
        if (_host is not null)
        {
            _host.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            _host.Dispose();
        }
    }

    /// <inheritdoc/>
    internal override async ValueTask ReleaseBackendAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _backend.Release();
        if (_host is not null)
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            _host.Dispose();
        }
    }

    private static PoolProfile Profile(ClusterPoolOptions options)
    {
        byte[]? initializerArguments = null;
        if (options.Initializer is { } initializer)
        {
            using FrameBuffer buffer = new();
            initializer.WriteArguments(buffer);
            initializerArguments = buffer.WrittenSpan.ToArray();
        }

        return new PoolProfile(
            options.TaskTimeout is { } timeout ? (int)Math.Ceiling(timeout.TotalMilliseconds) : 0,
            options.MaxTasksPerWorker,
            options.MaxMessageSize,
            options.Initializer?.Task.Id.Value ?? 0,
            initializerArguments);
    }
}
