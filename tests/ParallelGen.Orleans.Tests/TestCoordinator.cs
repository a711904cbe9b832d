using Microsoft.Extensions.Logging;

namespace ParallelGen.Orleans.Tests;

/// <summary>
/// A coordinator in this process (a <see cref="ClusterPool"/> on a free loopback port, in a cluster of its own) and the
/// node processes a test starts for it; disposing terminates the pool and every node, and checks no process is left.
/// </summary>
internal sealed class TestCoordinator : IAsyncDisposable
{
    private readonly List<NodeProcess> _nodes = [];

    private TestCoordinator(ClusterPool pool, string clusterId, string? redis)
    {
        Pool = pool;
        ClusterId = clusterId;
        Redis = redis;
    }

    public ClusterPool Pool { get; }

    public string ClusterId { get; }

    public string? Redis { get; }

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public static async Task<TestCoordinator> StartAsync(ClusterPoolOptions? options = null, string? redis = null)
    {
        options ??= new ClusterPoolOptions();
        options.Listen = 0;
        options.ClusterId = $"test-{Guid.NewGuid():N}";
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.Redis = redis;
        if (Environment.GetEnvironmentVariable("PARALLELGEN_CLUSTER_LOG") is { } log)
        {
            Action<ISiloBuilder>? configure = options.ConfigureSilo;
            options.ConfigureSilo = silo =>
            {
                configure?.Invoke(silo);
                Microsoft.Extensions.DependencyInjection.LoggingServiceCollectionExtensions.AddLogging(silo.Services, b => b.AddProvider(new FileLoggerProvider(log)));
            };
        }
        ClusterPool pool = await ClusterPool.StartAsync(options).WaitAsync(TimeSpan.FromSeconds(30));
        return new TestCoordinator(pool, options.ClusterId, redis);
    }

    /// <summary>Starts a node process that joins this coordinator.</summary>
    public NodeProcess StartNode(string name, int workers = 1, bool otherBuild = false, params string[] extra)
    {
        NodeProcess node = Redis is null
            ? NodeProcess.Start(name, join: $"127.0.0.1:{Pool.Endpoint.Port}", clusterId: ClusterId, workers: workers, otherBuild: otherBuild, extra: extra)
            : NodeProcess.Start(name, redis: Redis, clusterId: ClusterId, workers: workers, otherBuild: otherBuild, extra: extra);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Starts <paramref name="count"/> nodes and waits until they are attached.</summary>
    public async Task StartNodesAsync(int count, int workers = 1)
    {
        int before = Pool.Nodes.Count;
        for (int i = 0; i < count; i++)
        {
            StartNode($"node-{_nodes.Count + 1}", workers);
        }

        await WaitForNodesAsync(before + count);

        // Warm up: until every node has answered from its worker processes, so that a test's call starts on all of them.
        string[] names = [.. Pool.Nodes.Select(n => n.Name)];
        HashSet<string> seen = [];
        DateTime giveUp = DateTime.UtcNow.AddSeconds(30);
        while (!names.All(seen.Contains) && DateTime.UtcNow < giveUp)
        {
            foreach (Placement placement in await Pool.MapAsync(ClusterTasks.Where, Enumerable.Range(0, 4 * names.Length), chunkSize: 1))
            {
                seen.Add(placement.Node);
            }
        }
    }

    public async Task WaitForNodesAsync(int count)
    {
        try
        {
            await Pool.WaitForNodesAsync(count).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{count} nodes did not attach in 30 s; attached: {string.Join(", ", Pool.Nodes)}; refused: {string.Join("; ", Pool.RefusedNodes)}; output:{Environment.NewLine}{string.Join(Environment.NewLine, _nodes.Select(n => $"[{n.Name}] {n.Output}"))}");
        }

        foreach (NodeProcess node in _nodes)
        {
            node.RememberDescendants();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (NodeProcess node in _nodes)
        {
            node.RememberDescendants();
        }

        Pool.Dispose();
        List<Exception> errors = [];
        foreach (NodeProcess node in _nodes)
        {
            try
            {
                node.Dispose();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }

        await Task.CompletedTask;
        if (errors.Count > 0)
        {
            throw new AggregateException(errors);
        }
    }
}
