using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParallelGen.Dispatch;
using ParallelGen.Grains;

namespace ParallelGen.Node;

/// <summary>
/// A worker node: its local pools of worker processes (the default one, warm from the start, and one per different set
/// of pool settings a coordinator asks for), and the sessions of the coordinators' pools attached to it.
/// </summary>
/// <remarks><c>_lock</c> guards the sessions and pools; sessions and pools are called outside it.</remarks>
internal sealed class NodeRuntime
{
    private static readonly PoolProfile s_defaultProfile = new(0, null, ProcessPoolOptions.DefaultMaxMessageSize, 0, null);

    private readonly object _lock = new();
    private readonly NodeSettings _settings;
    private readonly IGrainFactory _grains;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _log;
    private readonly string _selfKey;
    private readonly Dictionary<Guid, (NodeSession Session, string PoolKey)> _sessions = [];
    private readonly Dictionary<string, (ProcessPool Pool, int Users)> _pools = [];
    private ITimer? _watchdog;
    private bool _everAttached;
    private bool _stopped;

    public NodeRuntime(NodeSettings settings, IGrainFactory grains, ILocalSiloDetails silo, IHostApplicationLifetime lifetime, ILoggerFactory? loggers = null)
    {
        _settings = settings;
        _grains = grains;
        _lifetime = lifetime;
        _log = loggers?.CreateLogger("ParallelGen.Node") ?? NullLogger.Instance;
        _selfKey = SiloPinnedPlacementDirector.KeyOf(silo.SiloAddress);
    }

    /// <summary>Gets the node's name.</summary>
    public string Name => _settings.Name;

    /// <summary>Gets why a coordinator was refused, if one was: the node's exit code is then 3.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Gets the process ids of the default local pool's workers. Tests only.</summary>
    internal IReadOnlyList<int> WorkerPidsForTesting
    {
        get
        {
            lock (_lock)
            {
                return [.. _pools.Values.SelectMany(p => p.Pool.WorkerPids)];
            }
        }
    }

    /// <summary>Starts the default local pool, so that the node is warm when a coordinator attaches.</summary>
    public void Start()
    {
        PoolProfile profile = s_defaultProfile;
        lock (_lock)
        {
            _pools[profile.Key] = (CreatePool(profile), 1);
        }

        _watchdog = TimeProvider.System.CreateTimer(static s => ((NodeRuntime)s!).Watch(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Ends every session and terminates the local pools (their workers are killed).</summary>
    public void Stop()
    {
        List<NodeSession> sessions;
        List<ProcessPool> pools;
        lock (_lock)
        {
            _stopped = true;
            sessions = [.. _sessions.Values.Select(s => s.Session)];
            _sessions.Clear();
            pools = [.. _pools.Values.Select(p => p.Pool)];
            _pools.Clear();
        }

        _watchdog?.Dispose();
        foreach (NodeSession session in sessions)
        {
            session.Close();
        }

        foreach (ProcessPool pool in pools)
        {
            pool.Dispose();
        }
    }

    /// <summary>The handshake: refuses a coordinator built from different code, else opens its session.</summary>
    public NodeHello Attach(CoordinatorHello hello)
    {
        if (BuildIdentity.Mismatch(hello.Build, BuildIdentity.Current()) is { } mismatch)
        {
            Refusal = $"coordinator {hello.Name} refused: {mismatch}";
            Console.Error.WriteLine($"ParallelGen node {Name}: {Refusal}");
            _log.LogError("ParallelGen node {Node}: {Refusal}", Name, Refusal);
            if (_settings.ExitWhenAlone)
            {
                // Let the answer reach the coordinator first.
                _ = Task.Delay(500).ContinueWith(_ => _lifetime.StopApplication(), TaskScheduler.Default);
            }

            return new NodeHello(mismatch, Name, 0, Environment.ProcessId, Environment.MachineName);
        }

        NodeSession session;
        lock (_lock)
        {
            if (_stopped)
            {
                return new NodeHello($"node {Name} is stopping", Name, 0, Environment.ProcessId, Environment.MachineName);
            }

            if (_sessions.TryGetValue(hello.Session, out (NodeSession Session, string PoolKey) existing))
            {
                return Hello(existing.Session.Pool);
            }

            string key = hello.Profile.Key;
            if (!_pools.TryGetValue(key, out (ProcessPool Pool, int Users) pool))
            {
                pool = (CreatePool(hello.Profile), 0);
            }

            _pools[key] = (pool.Pool, pool.Users + 1);
            IPoolGrain coordinator = PoolGrain.For(_grains, hello.Coordinator, _selfKey);
            session = new NodeSession(hello.Session, coordinator, pool.Pool, Name, hello.Profile.MaxMessageSize);
            _sessions[hello.Session] = (session, key);
            _everAttached = true;
        }

        _log.LogInformation("ParallelGen node {Node}: coordinator {Coordinator} attached", Name, hello.Name);
        return Hello(session.Pool);
    }

    public void Receive(Guid session, long sequence, long acknowledged, byte[] records)
    {
        NodeSession? target;
        lock (_lock)
        {
            target = _sessions.TryGetValue(session, out (NodeSession Session, string PoolKey) entry) ? entry.Session : null;
        }

        target?.Receive(sequence, acknowledged, records);
    }

    public void Detach(Guid session)
    {
        NodeSession? closed = null;
        ProcessPool? released = null;
        bool alone;
        lock (_lock)
        {
            if (_sessions.Remove(session, out (NodeSession Session, string PoolKey) entry))
            {
                closed = entry.Session;
                (ProcessPool pool, int users) = _pools[entry.PoolKey];
                if (users == 1 && entry.PoolKey != s_defaultProfile.Key)
                {
                    _pools.Remove(entry.PoolKey);
                    released = pool;
                }
                else
                {
                    _pools[entry.PoolKey] = (pool, users - 1);
                }
            }

            alone = _everAttached && _sessions.Count == 0;
        }

        closed?.Close();
        released?.Dispose();
        if (alone && _settings.ExitWhenAlone)
        {
            _log.LogInformation("ParallelGen node {Node}: its coordinator is gone; stopping", Name);
            _lifetime.StopApplication();
        }
    }

    private NodeHello Hello(ProcessPool pool) => new(null, Name, pool.Processes, Environment.ProcessId, Environment.MachineName);

    private ProcessPool CreatePool(PoolProfile profile)
    {
        PoolInitializer? initializer = null;
        if (profile.InitializerTask != 0)
        {
            ProcessTask task = TaskRegistry.Find(new TaskId(profile.InitializerTask))
                ?? throw new InvalidOperationException($"The initializer's task 0x{profile.InitializerTask:X16} is not in node {Name}'s build.");
            initializer = PoolInitializer.CreateRaw(task, profile.InitializerArguments ?? []);
        }

        return new ProcessPool(new ProcessPoolOptions
        {
            Processes = _settings.Workers,
            MaxMessageSize = profile.MaxMessageSize,
            MaxTasksPerWorker = profile.MaxTasksPerWorker is { } max ? (int)Math.Min(max, int.MaxValue) : null,
            TaskTimeout = profile.TaskTimeoutMilliseconds > 0 ? TimeSpan.FromMilliseconds(profile.TaskTimeoutMilliseconds) : null,
            Initializer = initializer,

            // The node keeps its pools for as long as it runs, so a disposed one has no successor in this process to
            // hand its workers to: they end with it, and none is left when the node stops.
            ReuseWorkers = false,
        });
    }

    /// <summary>
    /// Every second: ends the sessions of coordinators that fell silent (gone without detaching: killed, or cut off),
    /// and lets the others acknowledge what came and send again what was not acknowledged.
    /// </summary>
    private void Watch()
    {
        List<Guid> silent = [];
        List<NodeSession> live = [];
        lock (_lock)
        {
            foreach ((Guid id, (NodeSession session, _)) in _sessions)
            {
                if (session.SinceHeard > _settings.CoordinatorTimeout)
                {
                    silent.Add(id);
                }
                else
                {
                    live.Add(session);
                }
            }
        }

        foreach (NodeSession session in live)
        {
            session.Tick();
        }

        foreach (Guid session in silent)
        {
            _log.LogWarning("ParallelGen node {Node}: coordinator of session {Session} fell silent", Name, session);
            Detach(session);
        }
    }
}
