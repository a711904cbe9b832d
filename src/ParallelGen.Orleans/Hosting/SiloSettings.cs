using System.Net;

namespace ParallelGen.Hosting;

/// <summary>How one ParallelGen silo (a coordinator or a node) is set up.</summary>
/// <param name="ClusterId">The cluster's id: the silos of one cluster share it.</param>
/// <param name="Listen">Where the silo listens; port 0 picks a free one.</param>
/// <param name="Advertised">The address other silos reach it at.</param>
/// <param name="Primary">Zero-dependency membership: the primary silo's endpoint (the coordinator's own for a coordinator); <see langword="null"/> with Redis.</param>
/// <param name="Redis">Redis membership: the connection string; <see langword="null"/> for zero-dependency membership.</param>
/// <param name="Tls">Mutual TLS, or <see langword="null"/>.</param>
/// <param name="ProbeTimeout">Orleans' probe timeout, which with <paramref name="MissedProbesLimit"/> sets how fast a lost silo is detected.</param>
/// <param name="MissedProbesLimit">Probes a silo may miss before it is suspected.</param>
internal sealed record SiloSettings(
    string ClusterId,
    IPEndPoint Listen,
    IPAddress Advertised,
    IPEndPoint? Primary,
    string? Redis,
    ClusterTlsOptions? Tls,
    TimeSpan ProbeTimeout,
    int MissedProbesLimit);
