using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParallelGen.Backends;
using ParallelGen.Grains;

namespace ParallelGen.Coordinator;

/// <summary>
/// The cluster backend behind a pool's scheduler: its workers (<see cref="Lane"/>s) are shares of the capacity of the
/// nodes in the cluster. It watches Orleans membership for nodes that join (handshake: same build?) and nodes that are
/// lost, and binds waiting lanes to nodes by credit: each node takes as many lanes as it has worker processes, and a
/// waiting lane goes to the node with the most free credits, at once, also in the middle of a call.
/// </summary>
/// <remarks>
/// <c>_lock</c> guards the nodes, their lanes and the waiting lanes. Lanes and nodes are called outside it; only a lane's
/// own lock, a leaf, is taken inside it (to read its state).
/// </remarks>
internal sealed class ClusterBackend : IWorkerBackend, ILaneOwner
{
    private const int AttachAttempts = 20;

    private readonly object _lock = new();
    private readonly IGrainFactory _grains;
    private readonly IClusterMembershipService _membership;
    private readonly CoordinatorRegistry _registry;
    private readonly ILogger _log;
    private readonly CoordinatorHello _hello;
    private readonly Dictionary<string, NodeLink> _nodes = [];
    private readonly LinkedList<Lane> _waiting = new();
    private readonly List<string> _refusals = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly int _maxArgumentBytes;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _ticker;
    private int _nextLane;

    public ClusterBackend(IServiceProvider silo, PoolProfile profile, string name, int maxArgumentBytes)
    {
        _grains = silo.GetRequiredService<IGrainFactory>();
        _membership = silo.GetRequiredService<IClusterMembershipService>();
        _registry = silo.GetRequiredService<CoordinatorRegistry>();
        _log = silo.GetService<ILoggerFactory>()?.CreateLogger("ParallelGen.Cluster") ?? NullLogger.Instance;
        Self = silo.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        Session = Guid.NewGuid();
        _maxArgumentBytes = maxArgumentBytes;
        _hello = new CoordinatorHello(Session, SiloPinnedPlacementDirector.KeyOf(Self), name, [], profile);
        _registry.Add(Session, this);
    }

    /// <summary>Gets the pool's session id, which its nodes know it by.</summary>
    public Guid Session { get; }

    /// <summary>Gets the coordinator's own silo.</summary>
    public SiloAddress Self { get; }

    /// <summary>The node workers enforce the task timeout themselves, each next to its worker process.</summary>
    public bool EnforcesTaskTimeout => true;

    /// <summary>Gets the nodes attached now.</summary>
    public IReadOnlyList<ClusterNodeInfo> Nodes
    {
        get
        {
            lock (_lock)
            {
                return [.. _nodes.Values.Where(n => n.State == NodeState.Attached).Select(n => n.Info).OrderBy(n => n.Name, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Gets the worker processes of the attached nodes.</summary>
    public int Capacity
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Values.Where(n => n.State == NodeState.Attached).Sum(n => n.Info.Workers);
            }
        }
    }

    /// <summary>Gets why nodes were refused, one message per node.</summary>
    public IReadOnlyList<string> Refusals
    {
        get
        {
            lock (_lock)
            {
                return [.. _refusals];
            }
        }
    }

    /// <summary>
    /// Starts watching membership, and the tick that tells nodes their coordinator lives and sends again what they did
    /// not acknowledge.
    /// </summary>
    public void Start()
    {
        _ = Task.Run(WatchMembershipAsync);
        _ticker = TimeProvider.System.CreateTimer(static s => ((ClusterBackend)s!).Tick(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public IWorkerChannel Launch(IWorkerEvents events) => new Lane(this, Interlocked.Increment(ref _nextLane), events);

    /// <summary>A lane was started: it waits for a node with room.</summary>
    public void Enqueue(Lane lane)
    {
        lock (_lock)
        {
            _waiting.AddLast(lane);
        }

        Bind();
    }

    /// <summary>A lane exited: its share of its node is free again.</summary>
    public void Forget(Lane lane)
    {
        lock (_lock)
        {
            _waiting.Remove(lane);
            if (lane.Node is { } node)
            {
                node.Lanes.Remove(lane);
                node.Unregister(lane);
            }
        }

        Bind();
    }

    /// <summary>Delivers a batch from a node (<see cref="PoolGrain"/>).</summary>
    public void Receive(string nodeKey, long sequence, long acknowledged, byte[] records)
    {
        NodeLink? node;
        lock (_lock)
        {
            node = _nodes.GetValueOrDefault(nodeKey);
        }

        node?.Receive(sequence, acknowledged, records);
    }

    /// <summary>The node's local pool cannot run tasks: it takes no more lanes.</summary>
    public void OnNodeBroken(NodeLink node, string reason)
    {
        lock (_lock)
        {
            if (node.State != NodeState.Attached)
            {
                return;
            }

            node.State = NodeState.Broken;
            Signal();
        }

        _log.LogWarning("ParallelGen: node {Node} takes no more work: {Reason}", node.Info.Name, reason);
    }

    /// <summary>Waits until at least <paramref name="count"/> nodes are attached.</summary>
    public async Task WaitForNodesAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_nodes.Values.Count(n => n.State == NodeState.Attached) >= count)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until a node is attached and every share of the attached nodes has an open lane.</summary>
    public async Task WaitForLanesAsync(CancellationToken cancellationToken)
    {
        await WaitForNodesAsync(1, cancellationToken).ConfigureAwait(false);
        while (!AllLanesOpen())
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops watching, and ends the session on every node. Whatever runs there is stopped.</summary>
    public void Release()
    {
        _stop.Cancel();
        _ticker?.Dispose();
        NodeLink[] nodes;
        lock (_lock)
        {
            nodes = [.. _nodes.Values.Where(n => n.State is NodeState.Attached or NodeState.Broken)];
        }

        foreach (NodeLink node in nodes)
        {
            _ = node.Grain.Detach(Session);
        }

        _registry.Remove(Session);
    }

    private bool AllLanesOpen()
    {
        lock (_lock)
        {
            return _nodes.Values.Where(n => n.State == NodeState.Attached).All(n => n.FreeCredits == 0 && n.Lanes.All(l => l.IsOpen));
        }
    }

    /// <summary>Gives waiting lanes to the nodes with the most free credits.</summary>
    private void Bind()
    {
        List<(Lane Lane, NodeLink Node)> bound = [];
        lock (_lock)
        {
            while (_waiting.First is { } first)
            {
                NodeLink? best = null;
                foreach (NodeLink node in _nodes.Values)
                {
                    if (node.FreeCredits > 0 && (best is null || node.FreeCredits > best.FreeCredits))
                    {
                        best = node;
                    }
                }

                if (best is null)
                {
                    break;
                }

                _waiting.RemoveFirst();
                best.Lanes.Add(first.Value);
                best.Register(first.Value);
                bound.Add((first.Value, best));
            }
        }

        foreach ((Lane lane, NodeLink node) in bound)
        {
            if (!lane.Bind(node))
            {
                // It exited while it waited.
                lock (_lock)
                {
                    node.Lanes.Remove(lane);
                    node.Unregister(lane);
                }
            }
        }
    }

    /// <summary>Every second: each node's link sends a heartbeat, or again what its node has not acknowledged.</summary>
    private void Tick()
    {
        NodeLink[] nodes;
        lock (_lock)
        {
            nodes = [.. _nodes.Values.Where(n => n.State is NodeState.Attached or NodeState.Broken)];
        }

        foreach (NodeLink node in nodes)
        {
            node.Tick();
        }
    }

    private async Task WatchMembershipAsync()
    {
        try
        {
            await foreach (ClusterMembershipSnapshot snapshot in _membership.MembershipUpdates.WithCancellation(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    OnMembership(snapshot);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _log.LogError(e, "ParallelGen: a change of the cluster's membership could not be handled.");
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _log.LogError(e, "ParallelGen: watching the cluster's membership failed; nodes that join from now on are not seen.");
        }
    }

    private void OnMembership(ClusterMembershipSnapshot snapshot)
    {
        List<NodeLink> joined = [];
        List<(NodeLink Node, string Reason)> lost = [];
        lock (_lock)
        {
            foreach ((SiloAddress silo, ClusterMember member) in snapshot.Members)
            {
                if (silo.Equals(Self))
                {
                    continue;
                }

                string key = SiloPinnedPlacementDirector.KeyOf(silo);
                _nodes.TryGetValue(key, out NodeLink? node);
                switch (member.Status)
                {
                    case SiloStatus.Active when node is null:
                        node = new NodeLink(Session, silo, NodeGrain.On(_grains, silo), _maxArgumentBytes, OnNodeBroken);
                        _nodes[key] = node;
                        joined.Add(node);
                        break;
                    case SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead when node is not null:
                        lost.Add((node, member.Status == SiloStatus.Dead
                            ? "the cluster's failure detector declared it dead"
                            : "it is shutting down"));
                        break;
                }
            }

            foreach (NodeLink node in _nodes.Values)
            {
                if (!snapshot.Members.ContainsKey(node.Silo))
                {
                    lost.Add((node, "it left the cluster"));
                }
            }
        }

        foreach (NodeLink node in joined)
        {
            _ = AttachAsync(node);
        }

        foreach ((NodeLink node, string reason) in lost)
        {
            Lose(node, reason);
        }
    }

    private async Task AttachAsync(NodeLink node)
    {
        CoordinatorHello hello = _hello with { Build = BuildIdentity.Current() };
        NodeHello? reply = null;
        Exception? last = null;
        for (int attempt = 0; attempt < AttachAttempts && reply is null; attempt++)
        {
            try
            {
                reply = await node.Grain.Attach(hello).WaitAsync(TimeSpan.FromSeconds(30), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A silo that just joined may not be in this silo's view of the cluster's grain types yet.
                last = e;
                lock (_lock)
                {
                    if (node.State != NodeState.Attaching)
                    {
                        return;
                    }
                }

                await Task.Delay(250, _stop.Token).ConfigureAwait(false);
            }
        }

        string? refusal = reply is null ? $"it did not answer as a ParallelGen node ({last?.Message})" : reply.Refusal;
        lock (_lock)
        {
            if (node.State != NodeState.Attaching)
            {
                return;
            }

            if (refusal is not null)
            {
                node.State = NodeState.Refused;
                _refusals.Add($"Silo {node.Silo} was refused: {refusal}");
            }
            else
            {
                node.Info = new ClusterNodeInfo(reply!.Name, node.Silo.ToString(), reply.Host, reply.ProcessId, reply.Capacity);
                node.State = NodeState.Attached;
            }

            Signal();
        }

        if (refusal is not null)
        {
            _log.LogError("ParallelGen: silo {Silo} was refused: {Reason}", node.Silo, refusal);
            return;
        }

        _log.LogInformation("ParallelGen: node {Node} attached", node.Info);
        Bind();
    }

    private void Lose(NodeLink node, string reason)
    {
        Lane[] lanes;
        lock (_lock)
        {
            if (node.State == NodeState.Lost)
            {
                return;
            }

            bool wasServing = node.State is NodeState.Attached or NodeState.Broken;
            node.State = NodeState.Lost;
            lanes = [.. node.Lanes];
            node.Lanes.Clear();
            Signal();
            if (!wasServing)
            {
                return;
            }
        }

        _log.LogWarning("ParallelGen: node {Node} was lost: {Reason}", node.Info, reason);
        node.Abandon();
        foreach (Lane lane in lanes)
        {
            node.Unregister(lane);
            lane.OnNodeLost(node.Info, reason);
        }

        Bind();
    }

    /// <summary>Wakes the waiters for node changes. Under <c>_lock</c>.</summary>
    private void Signal()
    {
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
