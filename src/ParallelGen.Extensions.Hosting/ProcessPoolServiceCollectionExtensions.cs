using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ParallelGen;
using ParallelGen.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ParallelGen process pools with the .NET generic host.</summary>
public static class ProcessPoolServiceCollectionExtensions
{
    /// <summary>The configuration section a pool's options are read from: <c>ParallelGen:Pools:{name}</c>.</summary>
    public const string ConfigurationSection = "ParallelGen:Pools";

    /// <summary>
    /// Registers a <see cref="ProcessPool"/> as a singleton, started when the host starts and closed gracefully when
    /// it stops. Resolve it as <see cref="ProcessPool"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options in code, after those read from configuration.</param>
    /// <returns>The pool's options builder, for more configuration or validation.</returns>
    /// <remarks>See <see cref="AddProcessPool(IServiceCollection, string?, Action{ProcessPoolOptions}?)"/>.</remarks>
    public static OptionsBuilder<ProcessPoolOptions> AddProcessPool(this IServiceCollection services, Action<ProcessPoolOptions>? configure = null) =>
        services.AddProcessPool(name: null, configure);

    /// <summary>
    /// Registers a <see cref="ProcessPool"/> as a singleton, started when the host starts and closed gracefully when
    /// it stops. With no <paramref name="name"/> it is resolved as <see cref="ProcessPool"/>; a named pool is a keyed
    /// service: <c>[FromKeyedServices("images")] ProcessPool pool</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">
    /// The pool's name: its service key, its <see cref="ProcessPoolOptions.Name"/> (the metrics' and logs' pool name)
    /// and its configuration section. <see langword="null"/> registers the unkeyed pool, named
    /// <see cref="ProcessPoolOptions.DefaultName"/>.
    /// </param>
    /// <param name="configure">Sets options in code, after those read from configuration.</param>
    /// <returns>The pool's options builder (options name: <paramref name="name"/>, or <see cref="Microsoft.Extensions.Options.Options.DefaultName"/>).</returns>
    /// <remarks>
    /// <para>Options are read first from the configuration section <c>ParallelGen:Pools:{name}</c> (for the unkeyed
    /// pool, <c>ParallelGen:Pools:ProcessPool</c>): <c>Processes</c>, <c>MaxTasksPerWorker</c>, <c>MaxMessageSize</c>,
    /// <c>WorkerStartTimeout</c>, <c>TaskTimeout</c>, <c>IdleWorkerTimeout</c> (<c>hh:mm:ss</c>), <c>ReuseWorkers</c>,
    /// <c>WorkerDiagnostics</c>, <c>KeepWorkerDescendants</c>, <c>ConcurrentCallbacks</c> (<c>true</c> or
    /// <c>false</c>) and <c>Name</c>; then from <paramref name="configure"/>. Unlike a pool made with <c>new</c>, a
    /// hosted pool does not reuse workers unless told to (<see cref="ProcessPoolOptions.ReuseWorkers"/>): it lives as
    /// long as its host, and its workers end when the host stops.</para>
    /// <para>The pool's workers start when the host starts (or when the pool is first resolved, if earlier); an
    /// environment where they cannot start fails the host's start. When the host stops, the pool is closed after every
    /// hosted service has stopped, so background services can use it until then; its queued and running calls
    /// finish within the host's <c>HostOptions.ShutdownTimeout</c>, after which its workers are terminated.
    /// Worker crashes, restarts, timeouts and a faulted pool are logged under the category
    /// <c>ParallelGen.ProcessPool</c>.</para>
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="InvalidOperationException">A pool with this name is already registered.</exception>
    public static OptionsBuilder<ProcessPoolOptions> AddProcessPool(this IServiceCollection services, string? name, Action<ProcessPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
        }

        string poolName = name ?? ProcessPoolOptions.DefaultName;
        string optionsName = name ?? Options.Options.DefaultName;
        if (services.Any(d => d.ServiceType == typeof(ProcessPoolService) && Equals(d.ServiceKey, poolName)))
        {
            throw new InvalidOperationException($"A process pool named '{poolName}' is already registered.");
        }

        OptionsBuilder<ProcessPoolOptions> options = services.AddOptions<ProcessPoolOptions>(optionsName);

        // A hosted pool lives as long as its host, so there is no later pool to hand its workers to: they end when the
        // host stops. Configuration and code may still turn reuse on.
        options.Configure(o => o.ReuseWorkers = false);
        options.Configure<IServiceProvider>((o, provider) =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                ProcessPoolConfiguration.Apply(configuration.GetSection($"{ConfigurationSection}:{poolName}"), o);
            }
        });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.PostConfigure(o => o.Name ??= poolName);

        services.AddKeyedSingleton(poolName, (provider, _) => new ProcessPoolService(
            optionsName,
            provider.GetRequiredService<IOptionsMonitor<ProcessPoolOptions>>(),
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredKeyedService<ProcessPoolService>(poolName));
        if (name is null)
        {
            services.TryAddSingleton(provider => provider.GetRequiredKeyedService<ProcessPoolService>(poolName).Pool);
        }
        else
        {
            services.AddKeyedSingleton(name, (provider, _) => provider.GetRequiredKeyedService<ProcessPoolService>(poolName).Pool);
        }

        return options;
    }
}
