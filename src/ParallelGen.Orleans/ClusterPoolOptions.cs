using System.Net;
using Orleans.Runtime;

namespace ParallelGen;

/// <summary>Settings of a <see cref="ClusterPool"/>: the cluster it coordinates, and the same pool settings as <see cref="ProcessPoolOptions"/>.</summary>
public sealed class ClusterPoolOptions
{
    /// <summary>The default of <see cref="Listen"/>, Orleans' usual silo port.</summary>
    public const int DefaultPort = 11111;

    /// <summary>
    /// Gets or sets the port the coordinator listens on: nodes <c>--join host:port</c> it. 0 picks a free port (see
    /// <see cref="ClusterPool.Endpoint"/>). Default: 11111.
    /// </summary>
    public int Listen { get; set; } = DefaultPort;

    /// <summary>Gets or sets the address the coordinator listens on. Default: loopback, so that nothing off this machine can reach it (docs/security.md).</summary>
    public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

    /// <summary>Gets or sets the address nodes reach the coordinator at. Default: <see cref="ListenAddress"/> (or, listening on every interface, the machine's first address).</summary>
    public IPAddress? AdvertisedAddress { get; set; }

    /// <summary>
    /// Gets or sets a Redis connection string: the cluster's members are then kept in Redis, for long-lived fleets whose
    /// nodes outlive coordinators (<c>--pg-node --redis ...</c>). Default: <see langword="null"/>, the coordinator keeps
    /// the member list itself and nodes <c>--join</c> it.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Gets or sets the cluster's id: coordinator and nodes must agree. Default: <c>parallelgen</c>.</summary>
    public string ClusterId { get; set; } = Hosting.SiloSetup.DefaultClusterId;

    /// <summary>Gets or sets the coordinator's name in the nodes' messages. Default: machine name and process id.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets the most node worker processes the pool uses at once, across all nodes. Default: 256. Capacity
    /// beyond it is left idle.
    /// </summary>
    public int MaxWorkers { get; set; } = 256;

    /// <summary>
    /// Gets or sets Orleans' probe timeout. With three missed probes in a row a node is suspected, and declared dead
    /// when enough silos agree: the failure-detection time, a few of these (docs/cluster.md). Default: 1 second.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="ProcessPoolOptions.MaxTasksPerWorker"/>
    /// <remarks>Counted by each node's worker processes.</remarks>
    public int? MaxTasksPerWorker { get; set; }

    /// <summary>
    /// Gets or sets the largest frame: a call's serialized arguments or a chunk's serialized results. A larger call fails
    /// with a clear error; a larger result fails its call (as on a local pool). At most, and by default,
    /// <see cref="ProcessPoolOptions.DefaultMaxMessageSize"/>, which the cluster's Orleans messages are sized for.
    /// </summary>
    public int MaxMessageSize { get; set; } = ProcessPoolOptions.DefaultMaxMessageSize;

    /// <inheritdoc cref="ProcessPoolOptions.TaskTimeout"/>
    /// <remarks>Enforced on the nodes, next to each worker process; Orleans' own response timeout never applies to a task.</remarks>
    public TimeSpan? TaskTimeout { get; set; }

    /// <inheritdoc cref="ProcessPoolOptions.Initializer"/>
    /// <remarks>Run in every worker process of every node.</remarks>
    public PoolInitializer? Initializer { get; set; }

    /// <summary>Gets or sets mutual TLS between the coordinator and its nodes. Default: none (docs/security.md).</summary>
    public ClusterTlsOptions? Tls { get; set; }

    /// <summary>Gets or sets a last word on the coordinator's Orleans silo (logging, telemetry), run after ParallelGen's set-up.</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    internal void Validate()
    {
        if (Listen is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Listen), Listen, "Listen must be a port number, or 0 for a free port.");
        }

        ArgumentNullException.ThrowIfNull(ListenAddress);
        ArgumentException.ThrowIfNullOrEmpty(ClusterId);
        if (MaxWorkers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWorkers), MaxWorkers, "MaxWorkers must be at least 1.");
        }

        if (MaxMessageSize is < 1024 or > ProcessPoolOptions.DefaultMaxMessageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize, $"MaxMessageSize must be between 1024 bytes and {ProcessPoolOptions.DefaultMaxMessageSize} (the cluster's message size).");
        }

        if (ProbeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ProbeTimeout), ProbeTimeout, "ProbeTimeout must be positive.");
        }

        if (MaxTasksPerWorker is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTasksPerWorker), MaxTasksPerWorker, "MaxTasksPerWorker must be at least 1.");
        }

        Tls?.Validate();

        // The settings shared with a local pool are checked by its own rules.
        ToSchedulerOptions().Validate();
    }

    /// <summary>The options of the scheduler behind the cluster pool: one slot per possible lane, lanes that wait for nodes as long as it takes.</summary>
    internal ProcessPoolOptions ToSchedulerOptions() => new()
    {
        Processes = MaxWorkers,
        MaxMessageSize = MaxMessageSize,
        TaskTimeout = TaskTimeout,
        WorkerStartTimeout = TimeSpan.FromDays(24),
    };
}
