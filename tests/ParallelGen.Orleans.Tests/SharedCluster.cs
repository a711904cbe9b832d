using Orleans.Configuration;

namespace ParallelGen.Orleans.Tests;

/// <summary>
/// One coordinator and two node processes shared by the tests that leave them as they found them: a pool with a task
/// timeout, a small message limit, an initializer, and an Orleans response timeout shorter than some of its tasks.
/// </summary>
public sealed class SharedCluster : IAsyncLifetime
{
    /// <summary>The pool's task timeout.</summary>
    public static readonly TimeSpan TaskTimeout = TimeSpan.FromSeconds(4);

    /// <summary>Orleans' response timeout on the coordinator: shorter than a task that must still succeed.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>The pool's largest frame.</summary>
    public const int MaxMessageSize = 256 * 1024;

    private TestCoordinator? _cluster;

    internal TestCoordinator Cluster => _cluster!;

    public ClusterPool Pool => Cluster.Pool;

    public async Task InitializeAsync()
    {
        _cluster = await TestCoordinator.StartAsync(new ClusterPoolOptions
        {
            TaskTimeout = TaskTimeout,
            MaxMessageSize = MaxMessageSize,
            Initializer = PoolInitializer.Create(ClusterTasks.Setup, "initialized"),
            ConfigureSilo = silo => silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout),
        });
        await _cluster.StartNodesAsync(2);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
