using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ParallelGen.Orleans.Tests;

/// <summary>Nodes that join, nodes that are refused, and Redis membership: a coordinator in this process, node processes of their own, on loopback.</summary>
public sealed class ClusterMembershipTests
{
    [Fact]
    public Task A_node_that_joins_mid_map_receives_work() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync();

        // No warm-up: a lane's window of runs in flight grows with every short run it answers, and a wide window
        // would take the whole call at once, leaving nothing queued for a node that comes later.
        cluster.StartNode("node-1");
        await cluster.WaitForNodesAsync(1);
        string gate = Path.Combine(Path.GetTempPath(), $"pg-gate-{Guid.NewGuid():N}");

        // Every item waits at the gate, so the call is still running when the second node comes.
        Task<Placement[]> map = cluster.Pool.StarmapAsync(ClusterTasks.WhereWhenOpen, Enumerable.Range(0, 40).Select(x => (gate, x)), chunkSize: 1);
        cluster.StartNode("node-2");
        await cluster.WaitForNodesAsync(2);
        Assert.False(map.IsCompleted);

        // Its lanes open before the gate does: with a fixed pause instead, a node slow to start its workers (a loaded
        // machine) found the queue empty, node-1 having answered everything meanwhile.
        await cluster.Pool.WaitForWorkersAsync();
        Assert.False(map.IsCompleted);
        File.WriteAllText(gate, "open");
        Placement[] results = await map;
        File.Delete(gate);

        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), results.Select(r => r.Value));
        Assert.Contains(results, r => r.Node == "node-2");
        Assert.Contains(results, r => r.Node == "node-1");
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task A_node_built_from_different_code_is_refused_with_a_clear_error() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync();
        await cluster.StartNodesAsync(1);
        NodeProcess other = cluster.StartNode("other", otherBuild: true);

        Assert.True(other.WaitForExit(TimeSpan.FromSeconds(30)), "the refused node did not exit");
        Assert.Equal(3, other.ExitCode);
        Assert.Contains("built from different code", other.Output);
        string refusal = Assert.Single(cluster.Pool.RefusedNodes);
        Assert.Contains("ParallelGen.Orleans.TestNode is build", refusal);
        Assert.Contains("Start every node from the same build", refusal);

        // Nothing ran there: the pool goes on with the good node only.
        Placement[] results = await cluster.Pool.MapAsync(ClusterTasks.Where, Enumerable.Range(0, 20), chunkSize: 1);
        Assert.All(results, r => Assert.Equal("node-1", r.Node));
        Assert.Equal(["node-1"], cluster.Pool.Nodes.Select(n => n.Name));
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task The_same_with_Redis_membership() => Deadline.Run(async () =>
    {
        await using TestCoordinator cluster = await TestCoordinator.StartAsync(redis: RedisServer.Address);
        await cluster.StartNodesAsync(2);

        Placement[] results = await cluster.Pool.MapAsync(ClusterTasks.Where, Enumerable.Range(0, 100), chunkSize: 2);

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), results.Select(r => r.Value));
        Assert.Equal(["node-1", "node-2"], results.Select(r => r.Node).Distinct().Order());
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task With_mutual_TLS_nodes_holding_the_clusters_certificate_join_and_run_tasks() => Deadline.Run(async () =>
    {
        const string Password = "test-only";
        using X509Certificate2 certificate = SelfSigned();
        string pfx = Path.Combine(Path.GetTempPath(), $"pg-tls-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, Password));
        int checkedPeers = 0;
        try
        {
            await using TestCoordinator cluster = await TestCoordinator.StartAsync(new ClusterPoolOptions
            {
                Tls = new ClusterTlsOptions
                {
                    Certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx, Password), Password),
                    ValidateRemoteCertificate = (remote, _, _) =>
                    {
                        Interlocked.Increment(ref checkedPeers);
                        return remote.Thumbprint == certificate.Thumbprint;
                    },
                },
            });
            cluster.StartNode("node-1", extra: ["--tls-cert", pfx, "--tls-password", Password]);
            await cluster.WaitForNodesAsync(1);

            Assert.Equal(Enumerable.Range(0, 30).Select(x => x * x), await cluster.Pool.MapAsync(ClusterTasks.Square, Enumerable.Range(0, 30), chunkSize: 3));
            Assert.True(Volatile.Read(ref checkedPeers) > 0, "the coordinator never checked a peer's certificate: TLS is off");
        }
        finally
        {
            File.Delete(pfx);
        }
    }, TimeSpan.FromSeconds(90));

    private static X509Certificate2 SelfSigned()
    {
        using RSA key = RSA.Create(2048);
        CertificateRequest request = new("CN=parallelgen-test-cluster", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }
}
