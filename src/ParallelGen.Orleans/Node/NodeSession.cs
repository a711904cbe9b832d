using ParallelGen.Dispatch;
using ParallelGen.Grains;
using ParallelGen.Pool;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Wire;

namespace ParallelGen.Node;

/// <summary>
/// One coordinator's pool on this node: the lanes it opened, the runs it sent, which the node runs in its local
/// <see cref="ProcessPool"/> as <see cref="RawCall"/>s, and the answers on their way back.
/// </summary>
/// <remarks>
/// <para><b>Locks.</b> <c>_receiveLock</c> serializes incoming batches (taken first); <c>_lock</c> guards the lanes and
/// the outbox (which keeps what was sent until the coordinator acknowledges it, see <see cref="Outbox"/>). Runs are
/// submitted to the local pool under <c>_receiveLock</c> only; answers arrive on the local workers' reader threads and
/// take <c>_lock</c> only. Grain calls are made outside both.</para>
/// </remarks>
internal sealed class NodeSession : IRawCallSink, INodeRecords
{
    private readonly object _receiveLock = new();
    private readonly object _lock = new();
    private readonly Dictionary<int, NodeLane> _lanes = [];
    private readonly Inbox _inbox = new();
    private readonly Outbox _outbox = new();
    private readonly IPoolGrain _coordinator;
    private readonly int _maxFrameLength;
    private readonly string _nodeName;
    private bool _flushScheduled;
    private bool _closed;
    private long _lastHeardTicks = Environment.TickCount64;

    public NodeSession(Guid id, IPoolGrain coordinator, ProcessPool pool, string nodeName, int maxFrameLength)
    {
        Id = id;
        _coordinator = coordinator;
        Pool = pool;
        _nodeName = nodeName;
        _maxFrameLength = maxFrameLength;
    }

    public Guid Id { get; }

    /// <summary>Gets the local pool the session's runs go to.</summary>
    public ProcessPool Pool { get; }

    /// <summary>Gets how long ago the coordinator was last heard from (it sends a heartbeat every second).</summary>
    public TimeSpan SinceHeard => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastHeardTicks));

    /// <summary>
    /// Handles batch <paramref name="sequence"/> from the coordinator, and any that it held up, after the
    /// acknowledgement it carries of the node's batches.
    /// </summary>
    public void Receive(long sequence, long acknowledged, byte[] records)
    {
        long now = Environment.TickCount64;
        Interlocked.Exchange(ref _lastHeardTicks, now);
        lock (_lock)
        {
            _outbox.Acknowledge(acknowledged, now);
        }

        lock (_receiveLock)
        {
            foreach (byte[] batch in _inbox.Accept(sequence, records))
            {
                ToNode.Read(batch, this);
            }
        }

        Flush();
    }

    /// <summary>Ends the session: its running runs are told to stop, and nothing more is sent.</summary>
    public void Close()
    {
        List<RawCall> running = [];
        lock (_lock)
        {
            _closed = true;
            foreach (NodeLane lane in _lanes.Values)
            {
                running.AddRange(lane.Live.Values);
            }

            _lanes.Clear();
            _outbox.Abandon();
        }

        foreach (RawCall call in running)
        {
            Cancel(call);
        }
    }

    void INodeRecords.OpenLane(int lane)
    {
        string? failure = null;
        try
        {
            Pool.EnsureAccepting();
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            failure = $"node {_nodeName} cannot run tasks: {e.Message}";
        }

        lock (_lock)
        {
            if (failure is null)
            {
                _lanes[lane] = new NodeLane();
                ToCoordinator.LaneReady(_outbox.Buffer, lane);
            }
            else
            {
                ToCoordinator.LaneFailed(_outbox.Buffer, lane, failure);
            }
        }
    }

    void INodeRecords.Run(int lane, long runId, ulong taskId, byte flags, ReadOnlyMemory<byte> arguments)
    {
        ProcessTask? task = TaskRegistry.Find(new TaskId(taskId));
        if (task is null)
        {
            lock (_lock)
            {
                ToCoordinator.Refused(_outbox.Buffer, lane, runId, new RemoteError(
                    0,
                    typeof(InvalidOperationException).FullName!,
                    $"Task 0x{taskId:X16} is not in the build of node {_nodeName}: start the nodes from the same build as the coordinator.",
                    ""));
            }

            return;
        }

        int count = Payload.ReadCount(arguments.Span);
        RawCall call = new(task, flags, arguments, count, this, new RunTag(lane, runId));
        lock (_lock)
        {
            if (!_lanes.TryGetValue(lane, out NodeLane? state))
            {
                return; // Killed meanwhile: the coordinator no longer waits for it.
            }

            state.Live[runId] = call;
        }

        try
        {
            Pool.Submit(call);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            call.Abort(e);
        }
    }

    void INodeRecords.Cancel(int lane, long runId)
    {
        RawCall? call;
        lock (_lock)
        {
            call = _lanes.TryGetValue(lane, out NodeLane? state) ? state.Live.GetValueOrDefault(runId) : null;
        }

        if (call is not null)
        {
            Cancel(call);
        }
    }

    void INodeRecords.CloseLane(int lane)
    {
        lock (_lock)
        {
            if (_lanes.TryGetValue(lane, out NodeLane? state))
            {
                state.Closing = true;
                CloseIfDone(lane, state);
            }
        }
    }

    void INodeRecords.KillLane(int lane)
    {
        NodeLane? state;
        lock (_lock)
        {
            _lanes.Remove(lane, out state);
        }

        foreach (RawCall call in state?.Live.Values ?? Enumerable.Empty<RawCall>())
        {
            Cancel(call);
        }
    }

    void IRawCallSink.OnDone(RawCall call, in DoneFrame done)
    {
        RunTag tag = (RunTag)call.Tag!;
        lock (_lock)
        {
            if (Forget(tag) is not { } lane)
            {
                return;
            }

            try
            {
                ToCoordinator.Done(_outbox.Buffer, tag.Lane, tag.RunId, done, _maxFrameLength + 1024);
            }
            catch (InvalidOperationException e)
            {
                ToCoordinator.Refused(_outbox.Buffer, tag.Lane, tag.RunId, RemoteError.From(0, e));
            }

            _outbox.CutIfFull();
            CloseIfDone(tag.Lane, lane);
        }

        ScheduleFlush();
    }

    void IRawCallSink.OnPartial(RawCall call, in DoneFrame done)
    {
        RunTag tag = (RunTag)call.Tag!;
        lock (_lock)
        {
            if (_closed || !_lanes.TryGetValue(tag.Lane, out NodeLane? lane) || !lane.Live.ContainsKey(tag.RunId))
            {
                return;
            }

            // Forwarded as it came, so that the coordinator's call streams these items now and, if this node's worker
            // dies later, re-runs only the items after them.
            ToCoordinator.Done(_outbox.Buffer, tag.Lane, tag.RunId, done, _maxFrameLength + 1024);
            _outbox.CutIfFull();
        }

        ScheduleFlush();
    }

    void IRawCallSink.OnFailed(RawCall call, Exception exception)
    {
        RunTag tag = (RunTag)call.Tag!;
        lock (_lock)
        {
            if (Forget(tag) is not { } lane)
            {
                return;
            }

            switch (exception)
            {
                case OperationCanceledException when tag.CancelRequested:
                    ToCoordinator.Cancelled(_outbox.Buffer, tag.Lane, tag.RunId);
                    break;
                case WorkerCrashedException crash:
                    ToCoordinator.Failed(_outbox.Buffer, tag.Lane, tag.RunId, RunOutcome.WorkerCrashed, crash.WorkerPid, crash.ExitCode, crash.Message);
                    break;
                case TimeoutException timeout:
                    ToCoordinator.Failed(_outbox.Buffer, tag.Lane, tag.RunId, RunOutcome.TimedOut, 0, null, timeout.Message);
                    break;
                default:
                    ToCoordinator.Failed(_outbox.Buffer, tag.Lane, tag.RunId, RunOutcome.NodeFailed, 0, null, exception.Message);
                    break;
            }

            CloseIfDone(tag.Lane, lane);
        }

        ScheduleFlush();
    }

    private static void Cancel(RawCall call)
    {
        ((RunTag)call.Tag!).CancelRequested = true;
        call.Cancel();
    }

    /// <summary>Drops a finished run from its lane; returns the lane, or <see langword="null"/> if nobody waits for the answer. Under <c>_lock</c>.</summary>
    private NodeLane? Forget(RunTag tag)
    {
        if (_closed || !_lanes.TryGetValue(tag.Lane, out NodeLane? lane))
        {
            return null;
        }

        lane.Live.Remove(tag.RunId);
        return lane;
    }

    /// <summary>Answers a closing lane once it has answered everything. Under <c>_lock</c>.</summary>
    private void CloseIfDone(int id, NodeLane lane)
    {
        if (lane.Closing && lane.Live.Count == 0)
        {
            _lanes.Remove(id);
            ToCoordinator.LaneClosed(_outbox.Buffer, id);
        }
    }

    private void ScheduleFlush()
    {
        lock (_lock)
        {
            if (_flushScheduled)
            {
                return;
            }

            _flushScheduled = true;
        }

        // On the thread pool: answers that arrive meanwhile on other workers' threads go in the same message.
        ThreadPool.UnsafeQueueUserWorkItem(static session => session.Flush(), this, preferLocal: false);
    }

    /// <summary>
    /// Every second: sends again what the coordinator has not acknowledged for a while, and acknowledges what came
    /// from it if nothing else did.
    /// </summary>
    public void Tick()
    {
        List<(long Sequence, byte[] Records)> overdue;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            overdue = _outbox.TakeOverdue(Environment.TickCount64);
        }

        if (overdue.Count > 0)
        {
            Send(overdue);
        }
        else if (_inbox.TakeOwedAcknowledgement(out long acknowledged))
        {
            _ = _coordinator.Receive(Id, 0, acknowledged, []);
        }
    }

    private void Flush()
    {
        List<(long Sequence, byte[] Records)> batches;
        lock (_lock)
        {
            _flushScheduled = false;
            if (_outbox.IsEmpty || _closed)
            {
                return;
            }

            batches = _outbox.TakeAll(Environment.TickCount64);
        }

        Send(batches);
    }

    /// <summary>Sends batches one way, each with the acknowledgement of what came from the coordinator. Outside every lock.</summary>
    private void Send(List<(long Sequence, byte[] Records)> batches)
    {
        _inbox.TakeOwedAcknowledgement(out long acknowledged);
        foreach ((long sequence, byte[] records) in batches)
        {
            _ = _coordinator.Receive(Id, sequence, acknowledged, records);
        }
    }

    /// <summary>The node's side of one lane: the runs it holds, by the coordinator's run id.</summary>
    private sealed class NodeLane
    {
        public Dictionary<long, RawCall> Live { get; } = [];

        public bool Closing { get; set; }
    }
}
