using System.Collections.Concurrent;

namespace ParallelGen.Coordinator;

/// <summary>The cluster pools whose coordinator is this silo, by session id: where <see cref="Grains.PoolGrain"/> delivers.</summary>
internal sealed class CoordinatorRegistry
{
    private readonly ConcurrentDictionary<Guid, ClusterBackend> _pools = new();

    public void Add(Guid session, ClusterBackend backend) => _pools[session] = backend;

    public void Remove(Guid session) => _pools.TryRemove(session, out _);

    public ClusterBackend? Find(Guid session) => _pools.GetValueOrDefault(session);
}
