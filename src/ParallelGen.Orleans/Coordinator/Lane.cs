using ParallelGen.Backends;
using ParallelGen.Protocol;
using ParallelGen.Wire;

namespace ParallelGen.Coordinator;

/// <summary>
/// One worker of a cluster pool, as its scheduler sees it (<see cref="IWorkerChannel"/>): a share of one node's capacity.
/// Launched unbound, it waits until a node has room; then its runs go to that node, which runs them in its local pool
/// and answers; the lane hands the answers to the scheduler in the order the runs were sent, as a worker process does.
/// </summary>
/// <remarks>
/// <para>Events reach the scheduler one at a time and outside every lock: they are queued under <c>_lock</c> and
/// delivered by whichever thread queued the first of them (<see cref="Drain"/>). <see cref="IWorkerEvents.OnExited"/>
/// is the last, exactly once.</para>
/// </remarks>
internal sealed class Lane : IWorkerChannel
{
    /// <summary>Where a Done frame's body (after its kind byte) keeps its status: after the run id and the elapsed ticks.</summary>
    private const int PartialStatusOffset = 16;

    private readonly ILaneOwner _backend;
    private readonly IWorkerEvents _events;
    private readonly object _lock = new();
    private readonly Queue<long> _sent = new();
    private readonly Dictionary<long, (int Pid, ReadOnlyMemory<byte> Body)> _early = [];

    /// <summary>Partial answers of runs behind the head of the send order, in the order they came, per run.</summary>
    private readonly Dictionary<long, List<(int Pid, ReadOnlyMemory<byte> Body)>> _earlyPartials = [];
    private readonly Queue<LaneEvent> _queue = new();
    private LaneState _state;
    private NodeLink? _node;
    private bool _draining;
    private bool _exitQueued;
    private Func<WorkerExit, string?, WorkerCrashedException>? _crash;

    public Lane(ILaneOwner backend, int id, IWorkerEvents events)
    {
        _backend = backend;
        Id = id;
        _events = events;
    }

    private enum LaneState
    {
        Unbound,
        Opening,
        Open,
        Closing,
        Exited,
    }

    private enum LaneEventKind
    {
        Ready,
        Done,
        TimedOut,
        Idle,
        Exited,
    }

    /// <summary>Gets the lane's number, unique in its pool: what the scheduler's messages call the worker.</summary>
    public int Id { get; }

    /// <summary>Gets the node the lane is bound to, if any.</summary>
    public NodeLink? Node
    {
        get
        {
            lock (_lock)
            {
                return _node;
            }
        }
    }

    /// <summary>Gets whether the lane is open on its node and takes runs.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _state == LaneState.Open;
            }
        }
    }

    public void Start() => _backend.Enqueue(this);

    public bool TrySend(IRunRequest request)
    {
        NodeLink node;
        lock (_lock)
        {
            if (_state != LaneState.Open || _node is null)
            {
                return false;
            }

            node = _node;
            _sent.Enqueue(request.RunId);
        }

        try
        {
            node.SendRun(Id, request);
        }
        catch
        {
            lock (_lock)
            {
                // Nothing was written: take it back (it is the last one sent).
                long[] rest = [.. _sent.Where(id => id != request.RunId)];
                _sent.Clear();
                foreach (long id in rest)
                {
                    _sent.Enqueue(id);
                }
            }

            throw;
        }

        return true;
    }

    public void Flush() => Node?.Flush();

    public void Cancel(long runId)
    {
        NodeLink? node;
        lock (_lock)
        {
            node = _state is LaneState.Open or LaneState.Closing && _sent.Contains(runId) ? _node : null;
        }

        if (node is not null)
        {
            node.SendCancel(Id, runId);
            node.Flush();
        }
    }

    public void Shutdown()
    {
        NodeLink? node = null;
        lock (_lock)
        {
            switch (_state)
            {
                case LaneState.Unbound:
                    QueueExit(new WorkerExit(0, null, KilledFromOutside: false), null);
                    break;
                case LaneState.Opening or LaneState.Open:
                    _state = LaneState.Closing;
                    node = _node;
                    break;
            }
        }

        if (node is not null)
        {
            node.SendClose(Id);
            node.Flush();
        }

        Drain();
    }

    public void Kill(string? reason = null)
    {
        NodeLink? node;
        lock (_lock)
        {
            if (_state == LaneState.Exited)
            {
                return;
            }

            node = _node;
            QueueExit(new WorkerExit(null, reason ?? "the pool stopped it", KilledFromOutside: false), null);
        }

        if (node is not null)
        {
            node.SendKill(Id);
            node.Flush();
        }

        Drain();
    }

    public WorkerCrashedException CrashOf(WorkerExit exit, string? taskName)
    {
        Func<WorkerExit, string?, WorkerCrashedException>? crash;
        lock (_lock)
        {
            crash = _crash;
        }

        return crash?.Invoke(exit, taskName) ?? new WorkerCrashedException(Id, exit.ExitCode, exit.Detail, taskName);
    }

    /// <summary>Binds the lane to <paramref name="node"/> and asks the node to open it. Called by the backend.</summary>
    /// <returns><see langword="false"/> if the lane exited meanwhile.</returns>
    internal bool Bind(NodeLink node)
    {
        lock (_lock)
        {
            if (_state != LaneState.Unbound)
            {
                return false;
            }

            _state = LaneState.Opening;
            _node = node;
        }

        node.SendOpen(Id);
        node.Flush();
        return true;
    }

    /// <summary>The node opened the lane.</summary>
    internal void OnOpened()
    {
        lock (_lock)
        {
            if (_state != LaneState.Opening)
            {
                return;
            }

            _state = LaneState.Open;
            _queue.Enqueue(new LaneEvent(LaneEventKind.Ready));
        }
    }

    /// <summary>The node could not open the lane: a failed start, as a worker process that cannot start.</summary>
    internal void OnOpenFailed(string reason)
    {
        lock (_lock)
        {
            QueueExit(new WorkerExit(null, reason, KilledFromOutside: false), null);
        }
    }

    /// <summary>A run's answer, in the order the node finished them; delivered in the order they were sent.</summary>
    internal void OnDone(int pid, ReadOnlyMemory<byte> body)
    {
        long runId = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(body.Span);
        bool unknown = false;
        lock (_lock)
        {
            if (_state == LaneState.Exited)
            {
                return;
            }

            // A partial answer (some items of a run that still runs) leaves the run where it is in the send order.
            bool partial = body.Length > PartialStatusOffset && body.Span[PartialStatusOffset] == DoneFrame.StatusPartial;
            if (_sent.TryPeek(out long head) && head == runId)
            {
                _queue.Enqueue(new LaneEvent(LaneEventKind.Done, pid, body));
                if (!partial)
                {
                    _sent.Dequeue();
                    DeliverEarlyAnswers();
                }
            }
            else if (_sent.Contains(runId))
            {
                if (partial)
                {
                    (_earlyPartials.TryGetValue(runId, out List<(int, ReadOnlyMemory<byte>)>? parts) ? parts : _earlyPartials[runId] = []).Add((pid, body));
                }
                else
                {
                    _early[runId] = (pid, body);
                }
            }
            else
            {
                unknown = true;
            }
        }

        if (unknown)
        {
            Kill($"protocol error: node answered run {runId}, which it was not given");
        }
    }

    /// <summary>Queues the answers that came early for the runs now at the head of the send order. Under <c>_lock</c>.</summary>
    private void DeliverEarlyAnswers()
    {
        while (_sent.TryPeek(out long head))
        {
            if (_earlyPartials.Remove(head, out List<(int Pid, ReadOnlyMemory<byte> Body)>? parts))
            {
                foreach ((int pid, ReadOnlyMemory<byte> body) in parts)
                {
                    _queue.Enqueue(new LaneEvent(LaneEventKind.Done, pid, body));
                }
            }

            if (!_early.Remove(head, out (int Pid, ReadOnlyMemory<byte> Body) next))
            {
                return;
            }

            _sent.Dequeue();
            _queue.Enqueue(new LaneEvent(LaneEventKind.Done, next.Pid, next.Body));
        }
    }

    /// <summary>A run did not complete on the node: its worker process crashed or timed out, or the node failed.</summary>
    internal void OnRunFailed(long runId, RunOutcome outcome, int workerPid, int? exitCode, string detail, string nodeName)
    {
        NodeLink? node;
        lock (_lock)
        {
            if (_state == LaneState.Exited)
            {
                return;
            }

            node = _node;
            if (outcome == RunOutcome.TimedOut)
            {
                _queue.Enqueue(new LaneEvent(LaneEventKind.TimedOut, RunId: runId));
                QueueExit(new WorkerExit(null, detail, KilledFromOutside: false), null);
            }
            else
            {
                // As when a worker process dies: the runs this lane held fail, or are retried elsewhere.
                QueueExit(
                    new WorkerExit(exitCode, detail, KilledFromOutside: false),
                    (exit, task) => new WorkerCrashedException(
                        $"Worker process {workerPid} on node {nodeName} {(outcome == RunOutcome.WorkerCrashed ? "crashed" : "failed")}{(task is null ? "" : $" while running {task}")}: {detail}",
                        workerPid,
                        exit.ExitCode,
                        task));
            }
        }

        node?.SendKill(Id);
    }

    /// <summary>The node answered everything and closed the lane.</summary>
    internal void OnClosed()
    {
        lock (_lock)
        {
            if (_state != LaneState.Exited)
            {
                QueueExit(new WorkerExit(0, null, KilledFromOutside: false), null);
            }
        }
    }

    /// <summary>The lane's node was lost: the runs it held fail with <see cref="NodeLostException"/>, or are retried elsewhere.</summary>
    internal void OnNodeLost(ClusterNodeInfo node, string reason)
    {
        lock (_lock)
        {
            if (_state == LaneState.Exited)
            {
                return;
            }

            // Not a failed start: it says nothing about whether lanes can start.
            QueueExit(new WorkerExit(null, reason, KilledFromOutside: true), (exit, task) => new NodeLostException(node, reason, task));
        }

        Drain();
    }

    /// <summary>Queues an idle event: the scheduler may send more.</summary>
    internal void OnIdle()
    {
        lock (_lock)
        {
            if (_state is LaneState.Open or LaneState.Closing)
            {
                _queue.Enqueue(new LaneEvent(LaneEventKind.Idle));
            }
        }
    }

    /// <summary>Delivers the queued events, unless another thread is delivering them. Never under a lock.</summary>
    internal void Drain()
    {
        lock (_lock)
        {
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        while (true)
        {
            LaneEvent next;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out next))
                {
                    _draining = false;
                    return;
                }
            }

            Deliver(next);
            if (next.Kind == LaneEventKind.Exited)
            {
                lock (_lock)
                {
                    _queue.Clear();
                    _draining = false;
                }

                return;
            }
        }
    }

    private void Deliver(LaneEvent e)
    {
        switch (e.Kind)
        {
            case LaneEventKind.Ready:
                _events.OnReady(this);
                break;
            case LaneEventKind.Done:
                try
                {
                    _events.OnDone(this, DoneFrame.Parse(e.Body.Span, e.Pid));
                }
                catch (Exception error) when (error is InvalidDataException or ArgumentOutOfRangeException or IndexOutOfRangeException)
                {
                    Kill($"protocol error: {error.Message}");
                }

                break;
            case LaneEventKind.TimedOut:
                _events.OnTimedOut(this, e.RunId);
                break;
            case LaneEventKind.Idle:
                _events.OnIdle(this);
                break;
            case LaneEventKind.Exited:
                // Its share of the node is free before the scheduler launches the lane that replaces it.
                _backend.Forget(this);
                _events.OnExited(this, e.Exit);
                break;
        }
    }

    /// <summary>Queues the exit, the last event. Under <c>_lock</c>.</summary>
    private void QueueExit(WorkerExit exit, Func<WorkerExit, string?, WorkerCrashedException>? crash)
    {
        if (_exitQueued)
        {
            return;
        }

        _exitQueued = true;
        _state = LaneState.Exited;
        _crash = crash;
        _sent.Clear();
        _early.Clear();
        _earlyPartials.Clear();
        _queue.Enqueue(new LaneEvent(LaneEventKind.Exited, Exit: exit));
    }

    private readonly record struct LaneEvent(
        LaneEventKind Kind,
        int Pid = 0,
        ReadOnlyMemory<byte> Body = default,
        long RunId = 0,
        WorkerExit Exit = default);
}
