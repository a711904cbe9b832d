using Microsoft.Extensions.Hosting;

namespace ParallelGen.Node;

/// <summary>Starts the node's runtime (its local pool) with the silo's host, and stops it with the host.</summary>
internal sealed class NodeService(NodeRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        runtime.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        runtime.Stop();
        return Task.CompletedTask;
    }
}
