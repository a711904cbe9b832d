using System.Collections.Concurrent;
using ParallelGen.Backends;
using ParallelGen.Grains;
using ParallelGen.Wire;

namespace ParallelGen.Coordinator;

/// <summary>
/// A coordinator's connection to one node: the records on their way to it (one outbox for all its lanes, so that a
/// message carries the runs of every lane), and the handling of its answers, in order.
/// </summary>
/// <remarks>
/// <para><c>_outLock</c> guards the outbox; <c>_inLock</c> serializes the node's batches. Lane events are queued while a
/// batch is read and delivered after it, outside both locks. Grain calls are made outside every lock.</para>
/// <para>Every message carries the highest batch number handled from the other side; what the other side has not
/// acknowledged is sent again (<see cref="Outbox"/>), since Orleans may drop a one-way message.</para>
/// </remarks>
internal sealed class NodeLink : ICoordinatorRecords
{
    private readonly Guid _session;
    private readonly Action<NodeLink, string> _onBroken;
    private readonly object _outLock = new();
    private readonly object _inLock = new();
    private readonly Outbox _outbox = new();
    private readonly Inbox _inbox = new();
    private readonly ConcurrentDictionary<int, Lane> _lanesById = new();
    private readonly HashSet<Lane> _touched = [];
    private readonly int _maxArgumentBytes;
    private readonly TimeProvider _time;
    private long _lastSent;
    private bool _abandoned;

    /// <summary>Creates the link.</summary>
    /// <param name="session">The pool's session id.</param>
    /// <param name="silo">The node's silo.</param>
    /// <param name="grain">The node's grain, pinned to its silo.</param>
    /// <param name="maxArgumentBytes">The largest arguments of one run.</param>
    /// <param name="onBroken">Called when the node says its local pool cannot run tasks.</param>
    /// <param name="time">The clock of the heartbeat and of sending again; <see cref="TimeProvider.System"/> if <see langword="null"/>.</param>
    public NodeLink(Guid session, SiloAddress silo, INodeGrain grain, int maxArgumentBytes, Action<NodeLink, string> onBroken, TimeProvider? time = null)
    {
        _session = session;
        _time = time ?? TimeProvider.System;
        _lastSent = Now();
        _onBroken = onBroken;
        Silo = silo;
        Key = SiloPinnedPlacementDirector.KeyOf(silo);
        Grain = grain;
        _maxArgumentBytes = maxArgumentBytes;
        Info = new ClusterNodeInfo(Key, silo.ToString(), silo.Endpoint.Address.ToString(), 0, 0);
    }

    public SiloAddress Silo { get; }

    /// <summary>Gets the node's grain key (its silo address).</summary>
    public string Key { get; }

    public INodeGrain Grain { get; }

    /// <summary>Gets or sets what the node said about itself; set when it attached. Guarded by the backend's lock.</summary>
    public ClusterNodeInfo Info { get; set; }

    /// <summary>Gets or sets where the node is. Guarded by the backend's lock.</summary>
    public NodeState State { get; set; }

    /// <summary>Gets the lanes bound to the node: its capacity in use. Guarded by the backend's lock.</summary>
    public List<Lane> Lanes { get; } = [];

    /// <summary>Gets how many more lanes the node takes. Under the backend's lock.</summary>
    public int FreeCredits => State == NodeState.Attached ? Info.Workers - Lanes.Count : 0;

    /// <summary>Registers a lane bound to this node, so that its answers find it.</summary>
    public void Register(Lane lane) => _lanesById[lane.Id] = lane;

    public void Unregister(Lane lane) => _lanesById.TryRemove(lane.Id, out _);

    public void SendOpen(int lane) => Write(b => ToNode.OpenLane(b, lane));

    public void SendClose(int lane) => Write(b => ToNode.CloseLane(b, lane));

    public void SendKill(int lane) => Write(b => ToNode.KillLane(b, lane));

    public void SendCancel(int lane, long runId) => Write(b => ToNode.Cancel(b, lane, runId));

    /// <exception cref="InvalidOperationException">The arguments are too large for a cluster message; nothing was written.</exception>
    public void SendRun(int lane, IRunRequest request)
    {
        lock (_outLock)
        {
            ToNode.Run(_outbox.Buffer, lane, request, _maxArgumentBytes);
            _outbox.CutIfFull();
        }
    }

    /// <summary>Gets how many batches the node has not acknowledged yet.</summary>
    public int Unacknowledged
    {
        get
        {
            lock (_outLock)
            {
                return _outbox.Unacknowledged;
            }
        }
    }

    /// <summary>Sends what is queued, one way.</summary>
    public void Flush()
    {
        List<(long Sequence, byte[] Records)> batches;
        lock (_outLock)
        {
            if (_abandoned)
            {
                _outbox.Abandon(); // what a lane of a lost node still writes goes nowhere
                return;
            }

            if (_outbox.IsEmpty)
            {
                return;
            }

            _lastSent = Now();
            batches = _outbox.TakeAll(_lastSent);
        }

        Send(batches);
    }

    /// <summary>
    /// Every second: sends again what the node has not acknowledged for a while, or, if nothing was sent for a second,
    /// a heartbeat (the node's sign that its coordinator lives, which also acknowledges what the node sent).
    /// </summary>
    public void Tick()
    {
        List<(long Sequence, byte[] Records)> batches;
        lock (_outLock)
        {
            if (_abandoned)
            {
                return;
            }

            long now = Now();
            batches = _outbox.TakeOverdue(now);
            if (batches.Count == 0 && (now - _lastSent < 900 || !_outbox.IsEmpty))
            {
                return;
            }

            _lastSent = now;
        }

        if (batches.Count == 0)
        {
            batches.Add((0, []));
        }

        Send(batches);
    }

    /// <summary>Forgets what the node did not acknowledge: it is gone.</summary>
    public void Abandon()
    {
        lock (_outLock)
        {
            _abandoned = true;
            _outbox.Abandon();
        }
    }

    /// <summary>
    /// Handles batch <paramref name="sequence"/> from the node, and any it held up, after the acknowledgement it
    /// carries of the coordinator's batches; then delivers the lanes' events.
    /// </summary>
    public void Receive(long sequence, long acknowledged, byte[] records)
    {
        lock (_outLock)
        {
            _outbox.Acknowledge(acknowledged, Now());
        }

        Lane[] touched;
        lock (_inLock)
        {
            foreach (byte[] batch in _inbox.Accept(sequence, records))
            {
                ToCoordinator.Read(batch, this);
            }

            touched = [.. _touched];
            _touched.Clear();
        }

        Flush();
        foreach (Lane lane in touched)
        {
            lane.OnIdle();
            lane.Drain();
        }
    }

    void ICoordinatorRecords.LaneReady(int lane) => Find(lane)?.OnOpened();

    void ICoordinatorRecords.LaneFailed(int lane, string reason)
    {
        _onBroken(this, reason);
        Find(lane)?.OnOpenFailed(reason);
    }

    void ICoordinatorRecords.Done(int lane, int workerPid, ReadOnlyMemory<byte> body) => Find(lane)?.OnDone(workerPid, body);

    void ICoordinatorRecords.Failed(int lane, long runId, RunOutcome outcome, int workerPid, int? exitCode, string detail)
    {
        if (outcome == RunOutcome.NodeFailed)
        {
            _onBroken(this, detail);
        }

        Find(lane)?.OnRunFailed(runId, outcome, workerPid, exitCode, detail, Info.Name);
    }

    void ICoordinatorRecords.LaneClosed(int lane) => Find(lane)?.OnClosed();

    private void Send(List<(long Sequence, byte[] Records)> batches)
    {
        _inbox.TakeOwedAcknowledgement(out long acknowledged);
        foreach ((long sequence, byte[] records) in batches)
        {
            _ = Grain.Send(_session, sequence, acknowledged, records);
        }
    }

    private long Now() => _time.GetTimestamp() / (_time.TimestampFrequency / 1000);

    private Lane? Find(int id)
    {
        if (_lanesById.TryGetValue(id, out Lane? lane))
        {
            _touched.Add(lane);
        }

        return lane;
    }

    private void Write(Action<Transport.FrameBuffer> write)
    {
        lock (_outLock)
        {
            write(_outbox.Buffer);
            _outbox.CutIfFull();
        }
    }
}
