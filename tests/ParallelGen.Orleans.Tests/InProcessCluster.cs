using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using ParallelGen.Hosting;
using ParallelGen.Node;

namespace ParallelGen.Orleans.Tests;

/// <summary>
/// An Orleans cluster in this process (<see cref="InProcessTestCluster"/>): silo 0 is the coordinator, the others are
/// nodes with one worker process each. Disposing stops every silo and checks that no worker process is left.
/// </summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    private readonly HashSet<int> _workers = [];

    private InProcessCluster(InProcessTestCluster cluster, ClusterPool pool)
    {
        Cluster = cluster;
        Pool = pool;
    }

    public InProcessTestCluster Cluster { get; }

    public ClusterPool Pool { get; }

    /// <summary>Starts a coordinator and <paramref name="nodes"/> nodes.</summary>
    public static async Task<InProcessCluster> StartAsync(int nodes, ClusterPoolOptions? options = null)
    {
        InProcessTestClusterBuilder builder = new((short)(nodes + 1));
        builder.ConfigureSilo((silo, siloBuilder) =>
        {
            bool coordinator = silo.SiloName == CoordinatorName;
            SiloSetup.ConfigureRole(siloBuilder, coordinator);
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.NumMissedProbesLimit = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
            if (!coordinator)
            {
                siloBuilder.Services.AddSingleton(new NodeSettings(silo.SiloName, Workers: 1, ExitWhenAlone: false, TimeSpan.FromSeconds(30)));
            }
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync().WaitAsync(TimeSpan.FromSeconds(60));
        IServiceProvider services = cluster.Silos.Single(s => s.Name == CoordinatorName).ServiceProvider;
        ClusterPool pool = ClusterPool.Create(services, options ?? new ClusterPoolOptions(), host: null, new IPEndPoint(IPAddress.Loopback, 0));
        InProcessCluster result = new(cluster, pool);
        await pool.WaitForNodesAsync(nodes).WaitAsync(TimeSpan.FromSeconds(30));
        result.RememberWorkers();
        return result;
    }

    private const string CoordinatorName = "Silo_0";

    /// <summary>Gets the node silos, by name, with their runtimes.</summary>
    public IReadOnlyDictionary<string, NodeRuntime> Nodes =>
        Cluster.Silos.Where(s => s.Name != CoordinatorName && s.IsActive).ToDictionary(s => s.Name, s => s.ServiceProvider.GetRequiredService<NodeRuntime>());

    /// <summary>Gets which node a worker process belongs to.</summary>
    public string NodeOf(int workerPid) => Nodes.Single(n => n.Value.WorkerPidsForTesting.Contains(workerPid)).Key;

    public void RememberWorkers()
    {
        lock (_workers)
        {
            foreach (NodeRuntime node in Nodes.Values)
            {
                _workers.UnionWith(node.WorkerPidsForTesting);
            }
        }
    }

    /// <summary>Starts one more node silo.</summary>
    public async Task<string> AddNodeAsync()
    {
        InProcessSiloHandle silo = await Cluster.StartAdditionalSiloAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return silo.Name;
    }

    /// <summary>Kills a node silo without a goodbye, as a machine that goes away.</summary>
    public Task KillNodeAsync(string name)
    {
        RememberWorkers();
        return Cluster.KillSiloAsync(Cluster.Silos.Single(s => s.Name == name));
    }

    public async ValueTask DisposeAsync()
    {
        RememberWorkers();
        Pool.Dispose();
        await Cluster.DisposeAsync();
        int[] workers;
        lock (_workers)
        {
            workers = [.. _workers];
        }

        // Well inside ProcessPoolOptions.IdleWorkerTimeout (10 s), so that a worker left parked for reuse is caught.
        Processes.AssertAllExited(workers, TimeSpan.FromSeconds(5));
    }
}
