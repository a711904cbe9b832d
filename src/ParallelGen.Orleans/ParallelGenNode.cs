using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ParallelGen.Hosting;
using ParallelGen.Node;

namespace ParallelGen;

/// <summary>
/// Worker-node mode: the user's own program, started with <c>--pg-node</c>, joins a cluster and runs the tasks its
/// coordinator's pool sends, in a local <see cref="ProcessPool"/> of child processes. Put
/// <c>if (await ParallelGenNode.TryRunAsync(args)) return;</c> first in <c>Main</c>.
/// </summary>
public static class ParallelGenNode
{
    /// <summary>The environment variable that holds the node's name in its worker processes (see <see cref="CurrentName"/>).</summary>
    public const string NameVariable = "PARALLELGEN_NODE";

    /// <summary>Gets the name of the node whose worker runs the current task, or <see langword="null"/> outside a node (in a local pool, say).</summary>
    public static string? CurrentName => Environment.GetEnvironmentVariable(NameVariable);

    /// <summary>
    /// Runs the program as a worker node if its arguments ask for it (<c>--pg-node</c>), until its coordinator is gone
    /// or the process is told to stop (Ctrl-C, SIGTERM); otherwise returns <see langword="false"/> at once.
    /// </summary>
    /// <param name="args">The program's arguments; see <see cref="ParallelGenNodeOptions.Usage"/>.</param>
    /// <param name="cancellationToken">Stops the node.</param>
    /// <returns>
    /// <see langword="true"/> if the program ran as a node: it should exit then. <see cref="Environment.ExitCode"/> is
    /// 0 after a normal stop, 2 for bad arguments (the usage is printed), 3 if the node was refused (built from
    /// different code than its coordinator), 4 if it could not join.
    /// </returns>
    public static async Task<bool> TryRunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!args.Contains(ParallelGenNodeOptions.NodeArgument))
        {
            return false;
        }

        ParallelGenNodeOptions options;
        try
        {
            options = ParallelGenNodeOptions.Parse(args);
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException or IOException)
        {
            Console.Error.WriteLine($"ParallelGen node: {e.Message}");
            Console.Error.WriteLine(ParallelGenNodeOptions.Usage);
            Environment.ExitCode = 2;
            return true;
        }

        Environment.ExitCode = await RunAsync(options, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs a worker node until its coordinator is gone or <paramref name="cancellationToken"/> fires.</summary>
    /// <returns>The exit code: 0, 3 if the node was refused, 4 if it could not join.</returns>
    /// <exception cref="FormatException">The options do not say how to join.</exception>
    public static async Task<int> RunAsync(ParallelGenNodeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string name = options.Name ?? $"{Environment.MachineName}:{Environment.ProcessId}";

        // The node's worker processes inherit it: a task can tell where it runs.
        Environment.SetEnvironmentVariable(NameVariable, name);
        using IHost host = BuildHost(options, name);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"ParallelGen node {name}: could not join the cluster ({options.Join ?? "Redis"}): {e.Message}");
            return 4;
        }

        NodeRuntime runtime = host.Services.GetRequiredService<NodeRuntime>();
        Console.WriteLine($"ParallelGen node {name} joined cluster '{options.ClusterId}' through {options.Join ?? "Redis"} with {options.Workers ?? Environment.ProcessorCount} workers.");
        try
        {
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return runtime.Refusal is null ? 0 : 3;
    }

    /// <summary>Builds a node's host: an Orleans silo with the node's runtime.</summary>
    internal static IHost BuildHost(ParallelGenNodeOptions options, string name)
    {
        IPEndPoint listen = SiloSetup.WithPort(options.Listen);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = name });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.UseOrleans(silo =>
        {
            SiloSetup.ConfigureNetwork(silo, new SiloSettings(
                options.ClusterId,
                listen,
                SiloSetup.Advertise(listen, options.AdvertisedAddress),
                options.Join is null ? null : SiloSetup.ParseEndpoint(options.Join, 11111),
                options.Redis,
                options.Tls,
                options.ProbeTimeout,
                MissedProbesLimit: 3));
            SiloSetup.ConfigureRole(silo, coordinator: false);
            silo.Services.AddSingleton(new NodeSettings(
                name,
                options.Workers ?? Environment.ProcessorCount,
                ExitWhenAlone: !(options.Stay ?? options.Redis is not null),
                options.CoordinatorTimeout));
            options.ConfigureSilo?.Invoke(silo);
        });
        return builder.Build();
    }
}
