using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Orleans.Runtime;

namespace ParallelGen;

/// <summary>How a worker node joins its cluster: what <c>--pg-node</c> and its arguments set.</summary>
public sealed class ParallelGenNodeOptions
{
    /// <summary>The argument that puts a program in node mode.</summary>
    public const string NodeArgument = "--pg-node";

    /// <summary>
    /// Gets or sets the coordinator to join (zero-dependency membership: the coordinator keeps the member list), as
    /// <c>host:port</c>; <c>--join</c>. Exactly one of <see cref="Join"/> and <see cref="Redis"/> is set.
    /// </summary>
    public string? Join { get; set; }

    /// <summary>Gets or sets the Redis connection string whose membership table the cluster shares; <c>--redis</c>.</summary>
    public string? Redis { get; set; }

    /// <summary>Gets or sets the cluster's id; <c>--cluster-id</c>. Default: <c>parallelgen</c>.</summary>
    public string ClusterId { get; set; } = Hosting.SiloSetup.DefaultClusterId;

    /// <summary>Gets or sets where the node listens for its peers; <c>--listen address[:port]</c>. Default: loopback, a free port.</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>Gets or sets the address the node's peers reach it at; <c>--advertise</c>. Default: the listening address.</summary>
    public IPAddress? AdvertisedAddress { get; set; }

    /// <summary>Gets or sets how many worker processes the node runs tasks in; <c>--workers</c>. Default: <see cref="Environment.ProcessorCount"/>.</summary>
    public int? Workers { get; set; }

    /// <summary>Gets or sets the node's name; <c>--name</c>. Default: machine name and process id.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets whether the node keeps serving once its coordinator is gone; <c>--stay</c>. Default: a node that
    /// joined a coordinator (<see cref="Join"/>) stops with it; a node of a Redis cluster stays for the next one.
    /// </summary>
    public bool? Stay { get; set; }

    /// <summary>Gets or sets how long a coordinator may fall silent before its session ends. Default: 10 seconds.</summary>
    public TimeSpan CoordinatorTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets Orleans' probe timeout, which sets how fast lost silos are detected; <c>--probe-timeout seconds</c>. Default: 1 second.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets mutual TLS; <c>--tls-cert file.pfx [--tls-password secret]</c>. Default: none (see docs/security.md).</summary>
    public ClusterTlsOptions? Tls { get; set; }

    /// <summary>Gets or sets a last word on the node's Orleans silo (logging, telemetry), run after ParallelGen's set-up.</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>Gets the usage text of the node arguments.</summary>
    public static string Usage =>
        """
        Worker-node mode: myapp --pg-node (--join host:port | --redis connection-string) [options]
          --join host:port          the coordinator to join (its ClusterPoolOptions.Listen port)
          --redis connection        a Redis membership table shared with the coordinator instead
          --cluster-id id           the cluster's id (default parallelgen)
          --listen address[:port]   where to listen (default 127.0.0.1, a free port)
          --advertise address       the address peers reach this node at (default: the listening address)
          --workers n               worker processes to run tasks in (default: the number of cores)
          --name name               the node's name (default: machine name and process id)
          --stay                    keep serving when the coordinator is gone (default with --redis)
          --probe-timeout seconds   Orleans' probe timeout: how fast lost silos are detected (default 1)
          --tls-cert file.pfx       mutual TLS with this certificate (and --tls-password secret)
        """;

    /// <summary>Reads node options from command-line arguments (those after <c>--pg-node</c>; others are ignored only before it).</summary>
    /// <exception cref="FormatException">An argument is unknown, lacks its value, or the options do not say how to join.</exception>
    public static ParallelGenNodeOptions Parse(IReadOnlyList<string> args)
    {
        ParallelGenNodeOptions options = new();
        int start = args.ToList().IndexOf(NodeArgument);
        string? tlsFile = null;
        string? tlsPassword = null;
        for (int i = start + 1; i < args.Count; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{name} needs a value.");
            switch (name)
            {
                case "--join":
                    options.Join = Value();
                    break;
                case "--redis":
                    options.Redis = Value();
                    break;
                case "--cluster-id":
                    options.ClusterId = Value();
                    break;
                case "--listen":
                    options.Listen = Hosting.SiloSetup.ParseEndpoint(Value(), 0);
                    break;
                case "--advertise":
                    options.AdvertisedAddress = IPAddress.Parse(Value());
                    break;
                case "--workers":
                    options.Workers = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--name":
                    options.Name = Value();
                    break;
                case "--stay":
                    options.Stay = true;
                    break;
                case "--probe-timeout":
                    options.ProbeTimeout = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture));
                    break;
                case "--tls-cert":
                    tlsFile = Value();
                    break;
                case "--tls-password":
                    tlsPassword = Value();
                    break;
                default:
                    throw new FormatException($"Unknown node argument '{name}'.");
            }
        }

        if (tlsFile is not null)
        {
            options.Tls = new ClusterTlsOptions { Certificate = X509CertificateLoader.LoadPkcs12FromFile(tlsFile, tlsPassword) };
        }

        options.Validate();
        return options;
    }

    internal void Validate()
    {
        if ((Join is null) == (Redis is null))
        {
            throw new FormatException("A node needs exactly one of --join host:port (the coordinator) and --redis connection-string.");
        }

        if (Workers is < 1)
        {
            throw new FormatException("--workers must be at least 1.");
        }

        if (ProbeTimeout <= TimeSpan.Zero)
        {
            throw new FormatException("--probe-timeout must be positive.");
        }

        Tls?.Validate();
    }
}
