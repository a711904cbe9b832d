using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using ParallelGen.Grains;

namespace ParallelGen.Hosting;

/// <summary>The Orleans set-up that coordinators and nodes share: endpoints, membership, limits, placement and TLS.</summary>
internal static class SiloSetup
{
    /// <summary>The largest Orleans message: the largest frame ParallelGen sends, plus room for a batch's headers.</summary>
    public const int MaxMessageBodySize = ProcessPoolOptions.DefaultMaxMessageSize + (1 << 20);

    /// <summary>The cluster id when none is given.</summary>
    public const string DefaultClusterId = "parallelgen";

    /// <summary>Sets up how the silo finds and talks to the others: endpoints, membership, failure detection, TLS.</summary>
    public static void ConfigureNetwork(ISiloBuilder silo, SiloSettings settings)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = "ParallelGen";
        });
        silo.Configure<EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = settings.Advertised;
            o.SiloPort = settings.Listen.Port;
            o.SiloListeningEndpoint = settings.Listen;
            o.GatewayPort = 0; // no clients: only silos talk to each other
        });
        if (settings.Redis is { } redis)
        {
            silo.UseRedisClustering(redis);
        }
        else
        {
            silo.UseDevelopmentClustering(settings.Primary);
        }

        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = settings.ProbeTimeout;
            o.NumMissedProbesLimit = settings.MissedProbesLimit;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        });
        if (settings.Tls is { } tls)
        {
            silo.UseTls(tls.Certificate!, o =>
            {
                o.RemoteCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
                o.ClientCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
                o.RemoteCertificateValidation = (certificate, chain, errors) => tls.Accepts(certificate, chain, errors);
            });
        }
    }

    /// <summary>Sets up what the silo is: a coordinator, which hosts no worker, or a node, which serves no pool.</summary>
    public static void ConfigureRole(ISiloBuilder silo, bool coordinator)
    {
        silo.Configure<SiloMessagingOptions>(o => o.MaxMessageBodySize = MaxMessageBodySize);
        silo.Services.AddPlacementDirector<SiloPinnedPlacementStrategy, SiloPinnedPlacementDirector>();
        silo.Services.AddSingleton<Orleans.Runtime.Placement.IPlacementStrategyResolver, SiloPinnedPlacementResolver>();
        silo.Configure<GrainTypeOptions>(o => o.Classes.Remove(coordinator ? typeof(NodeGrain) : typeof(PoolGrain)));
        if (coordinator)
        {
            silo.Services.AddSingleton<Coordinator.CoordinatorRegistry>();
        }
        else
        {
            silo.Services.AddSingleton<Node.NodeRuntime>();
            silo.Services.AddHostedService<Node.NodeService>();
        }
    }

    /// <summary>Returns <paramref name="endpoint"/>, with a free port if its port is 0.</summary>
    public static IPEndPoint WithPort(IPEndPoint endpoint)
    {
        if (endpoint.Port != 0)
        {
            return endpoint;
        }

        using Socket probe = new(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(endpoint.Address, 0));
        return new IPEndPoint(endpoint.Address, ((IPEndPoint)probe.LocalEndPoint!).Port);
    }

    /// <summary>The address to advertise: the one given, else the listening address, else (listening on every interface) the host's first IPv4 address.</summary>
    public static IPAddress Advertise(IPEndPoint listen, IPAddress? advertised) =>
        advertised ?? (listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any) ? FirstHostAddress() : listen.Address);

    /// <summary>Parses <c>host:port</c> (a name, an IPv4 address, or <c>[v6]:port</c>).</summary>
    /// <exception cref="FormatException">It is not an endpoint.</exception>
    public static IPEndPoint ParseEndpoint(string text, int defaultPort)
    {
        if (IPEndPoint.TryParse(text, out IPEndPoint? parsed))
        {
            return parsed.Port == 0 && !text.Contains(':', StringComparison.Ordinal) ? new IPEndPoint(parsed.Address, defaultPort) : parsed;
        }

        int colon = text.LastIndexOf(':');
        string host = colon < 0 ? text : text[..colon];
        int port = defaultPort;
        if (colon >= 0 && !int.TryParse(text[(colon + 1)..], out port))
        {
            throw new FormatException($"'{text}' is not host:port.");
        }

        IPAddress address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? IPAddress.Loopback
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
              ?? throw new FormatException($"'{host}' has no IPv4 address.");
        return new IPEndPoint(address, port);
    }

    private static IPAddress FirstHostAddress() =>
        Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? IPAddress.Loopback;
}
