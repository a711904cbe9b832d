using System.Net;
using ParallelGen.Backends;
using ParallelGen.Coordinator;
using ParallelGen.Dispatch;
using ParallelGen.Grains;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;
using Microsoft.Extensions.Time.Testing;
using ParallelGen.Wire;

namespace ParallelGen.Orleans.Tests;

/// <summary>
/// A cluster pool's worker, without any process or silo: a lane and its node link over a fake node grain. Answers that
/// a node sends in the order its workers finished reach the scheduler in the order the runs were sent, and a lane's end
/// (a crashed node worker, a timeout, a lost node) is one exit with the right error.
/// </summary>
public sealed class LaneTests
{
    private static readonly ProcessTask<int, int> Square = ClusterTasksProcessTasks.Square;

    private readonly FakeNodeGrain _grain = new();
    private readonly FakeOwner _owner = new();
    private readonly RecordingEvents _events = new();
    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _broken = [];
    private readonly NodeLink _node;
    private readonly Lane _lane;
    private long _sequence;

    public LaneTests()
    {
        _node = new NodeLink(Guid.NewGuid(), SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 5000), 1), _grain, 1 << 20, (_, reason) => _broken.Add(reason), _time)
        {
            Info = new ClusterNodeInfo("node-a", "S127.0.0.1:5000:1", "host", 42, Workers: 1),
            State = NodeState.Attached,
        };
        _lane = new Lane(_owner, 7, _events);
        _node.Register(_lane);
        _lane.Start();
        Assert.True(_lane.Bind(_node));
        FromNode(b => ToCoordinator.LaneReady(b, 7));
        Assert.Equal(["ready", "idle"], _events.Log);
        _events.Log.Clear();
    }

    [Fact]
    public void A_bound_lane_asks_its_node_to_open_it_and_is_ready_when_the_node_says_so()
    {
        Assert.Same(_lane, Assert.Single(_owner.Enqueued));
        Assert.Equal(["open 7"], _grain.Records);
        Assert.True(_lane.IsOpen);
    }

    [Fact]
    public void Answers_that_arrive_out_of_order_are_delivered_in_the_order_the_runs_were_sent()
    {
        Send(1, 2);
        Send(2, 3);
        Send(3, 4);
        _lane.Flush();
        Assert.Equal(["open 7", "run 7:1", "run 7:2", "run 7:3"], _grain.Records);

        FromNode(b => Answer(b, 3, 16), b => Answer(b, 1, 4));
        Assert.Equal(["done 1 = 4", "idle"], _events.Log);
        FromNode(b => Answer(b, 2, 9));
        Assert.Equal(["done 1 = 4", "idle", "done 2 = 9", "done 3 = 16", "idle"], _events.Log);
    }

    [Fact]
    public void Batches_from_the_node_are_handled_in_sequence_order_whatever_order_they_arrive_in()
    {
        Send(1, 5);
        Send(2, 6);
        byte[] first = Batch(b => Answer(b, 1, 25));
        byte[] second = Batch(b => Answer(b, 2, 36));
        _node.Receive(3, 0, second);
        Assert.Empty(_events.Log);
        _node.Receive(2, 0, first);
        Assert.Equal(["done 1 = 25", "done 2 = 36", "idle"], _events.Log);
    }

    [Fact]
    public void A_crashed_worker_on_the_node_ends_the_lane_with_a_WorkerCrashedException_that_names_node_and_process()
    {
        Send(1, 2);
        FromNode(b => ToCoordinator.Failed(b, 7, 1, RunOutcome.WorkerCrashed, 4321, -9, "killed by signal 9"));

        WorkerExit exit = Assert.Single(_events.Exits);
        Assert.Equal(-9, exit.ExitCode);
        Assert.False(exit.KilledFromOutside);
        WorkerCrashedException crash = _lane.CrashOf(exit, "Square");
        Assert.IsNotType<NodeLostException>(crash);
        Assert.Equal(4321, crash.WorkerPid);
        Assert.Contains("on node node-a", crash.Message);
        Assert.Contains("kill 7", _grain.Records);
        Assert.Same(_lane, Assert.Single(_owner.Forgotten));
        Assert.False(_lane.TrySend(new Run(2, 3)));
    }

    [Fact]
    public void A_run_past_the_task_timeout_is_reported_then_the_lane_exits()
    {
        Send(1, 2);
        FromNode(b => ToCoordinator.Failed(b, 7, 1, RunOutcome.TimedOut, 0, null, "ran longer than TaskTimeout"));
        Assert.Equal(["timed out 1", "exited"], _events.Log);
    }

    [Fact]
    public void A_lost_node_ends_the_lane_with_NodeLostException_and_does_not_count_as_a_failed_start()
    {
        Send(1, 2);
        _lane.OnNodeLost(_node.Info, "declared dead");

        WorkerExit exit = Assert.Single(_events.Exits);
        Assert.True(exit.KilledFromOutside);
        NodeLostException lost = Assert.IsType<NodeLostException>(_lane.CrashOf(exit, "Square"));
        Assert.Equal("node-a", lost.Node.Name);
        Assert.Contains("declared dead", lost.Message);

        // Answers that were already on their way are dropped: nobody waits for them.
        FromNode(b => Answer(b, 1, 4));
        Assert.Equal(["exited"], _events.Log);
    }

    [Fact]
    public void An_answer_to_a_run_the_lane_never_sent_is_a_protocol_error()
    {
        FromNode(b => Answer(b, 99, 1));
        WorkerExit exit = Assert.Single(_events.Exits);
        Assert.Contains("protocol error", exit.Detail);
    }

    [Fact]
    public void A_lane_that_never_found_a_node_exits_at_once_when_it_is_shut_down()
    {
        Lane waiting = new(_owner, 8, _events);
        waiting.Start();
        waiting.Shutdown();
        Assert.Equal(0, Assert.Single(_events.Exits).ExitCode);
        Assert.False(waiting.TrySend(new Run(1, 1)));
    }

    [Fact]
    public void Closing_waits_for_the_node_to_answer_everything()
    {
        Send(1, 2);
        _lane.Shutdown();
        Assert.Empty(_events.Exits);
        Assert.Contains("close 7", _grain.Records);
        FromNode(b => Answer(b, 1, 4), b => ToCoordinator.LaneClosed(b, 7));
        Assert.Equal(["done 1 = 4", "exited"], _events.Log);
    }

    [Fact]
    public void Every_batch_to_the_node_carries_the_number_of_the_last_batch_handled_from_it()
    {
        // The open (batch 1) was sent before the node said the lane is ready (its batch 1).
        Assert.Equal([(1L, 0L)], _grain.Sent);
        Send(1, 2);
        _lane.Flush();
        Assert.Equal((2L, 1L), _grain.Sent[^1]);

        // Nothing to send for a second: a heartbeat, with no number of its own, acknowledges too.
        FromNode(b => Answer(b, 1, 4));
        _time.Advance(TimeSpan.FromSeconds(1));
        _node.Tick();
        Assert.Equal((0L, 2L), _grain.Sent[^1]);
    }

    [Fact]
    public void A_batch_the_node_does_not_acknowledge_is_sent_again_after_3_s_then_at_doubling_intervals_until_it_does()
    {
        Send(1, 2);
        _lane.Flush();
        Assert.Equal(2, _node.Unacknowledged);

        _time.Advance(TimeSpan.FromSeconds(2.9));
        _node.Tick();
        Assert.Equal([1L, 2L, 0L], _grain.Sent.Select(s => s.Sequence));

        _time.Advance(TimeSpan.FromSeconds(0.1));
        _node.Tick();
        Assert.Equal([1L, 2L, 0L, 1L, 2L], _grain.Sent.Select(s => s.Sequence));
        Assert.Equal(["open 7", "run 7:1", "open 7", "run 7:1"], _grain.Records);

        // Then 6 s later, not 3.
        _time.Advance(TimeSpan.FromSeconds(5));
        _node.Tick();
        Assert.Equal(4, _grain.Sent.Count(s => s.Sequence != 0));
        _time.Advance(TimeSpan.FromSeconds(1));
        _node.Tick();
        Assert.Equal(6, _grain.Sent.Count(s => s.Sequence != 0));

        // Once acknowledged, never again.
        _node.Receive(0, 2, []);
        Assert.Equal(0, _node.Unacknowledged);
        _time.Advance(TimeSpan.FromSeconds(60));
        _node.Tick();
        Assert.Equal(6, _grain.Sent.Count(s => s.Sequence != 0));
    }

    [Fact]
    public void An_acknowledgement_of_some_batches_leaves_the_others_to_be_sent_again()
    {
        Send(1, 2);
        _lane.Flush();
        Send(2, 3);
        _lane.Flush();
        _node.Receive(0, 2, []);
        Assert.Equal(1, _node.Unacknowledged);

        _time.Advance(TimeSpan.FromSeconds(3));
        _node.Tick();
        Assert.Equal((3L, 1L), _grain.Sent[^1]);
        Assert.Equal("run 7:2", _grain.Records[^1]);
    }

    [Fact]
    public void A_copy_of_a_batch_from_the_node_is_dropped_and_acknowledged_again()
    {
        Send(1, 2);
        byte[] answer = Batch(b => Answer(b, 1, 4));
        _node.Receive(2, 0, answer);
        _node.Receive(2, 0, answer);
        Assert.Equal(["done 1 = 4", "idle"], _events.Log);

        // Its acknowledgement may be what was lost: the next message acknowledges it again.
        _time.Advance(TimeSpan.FromSeconds(1));
        _node.Tick();
        Assert.Equal((0L, 2L), _grain.Sent[^1]);
    }

    [Fact]
    public void A_lost_node_link_keeps_nothing_and_sends_nothing_more()
    {
        Send(1, 2);
        _lane.Flush();
        _node.Abandon();
        Assert.Equal(0, _node.Unacknowledged);
        int sent = _grain.Sent.Count;
        _time.Advance(TimeSpan.FromSeconds(10));
        _node.Tick();
        _node.SendKill(7);
        _node.Flush();
        Assert.Equal(sent, _grain.Sent.Count);
    }

    [Fact]
    public void Arguments_too_large_for_a_cluster_message_fail_the_send_and_nothing_is_written()
    {
        NodeLink small = new(Guid.NewGuid(), SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 5001), 1), _grain, 16, (_, _) => { });
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => small.SendRun(1, new Echo(1, new byte[100])));
        Assert.Contains("MaxMessageSize", error.Message);
        small.Flush();
        Assert.Equal(["open 7"], _grain.Records);
    }

    private void Send(long runId, int x)
    {
        Assert.True(_lane.TrySend(new Run(runId, x)));
    }

    private static void Answer(FrameBuffer batch, long runId, int result)
    {
        using FrameBuffer frame = new();
        int start = DoneFrame.Begin(frame, runId, 10, DoneFrame.StatusCompleted, 0, [], 0);
        Payload.WriteSpan(frame, new ReadOnlySpan<int>(in result));
        frame.EndFrame(start);
        DoneFrame done = DoneFrame.Parse(frame.WrittenSpan[(start + FrameBuffer.HeaderSize)..], 1234);
        ToCoordinator.Done(batch, 7, runId, done, 1 << 20);
    }

    private static byte[] Batch(params Action<FrameBuffer>[] records)
    {
        using FrameBuffer batch = new();
        foreach (Action<FrameBuffer> record in records)
        {
            record(batch);
        }

        return batch.WrittenSpan.ToArray();
    }

    private void FromNode(params Action<FrameBuffer>[] records) => _node.Receive(++_sequence, 0, Batch(records));

    private sealed class Run(long runId, int x) : IRunRequest
    {
        public long RunId => runId;

        public ProcessTask Task => Square;

        public byte Flags => RunFrame.StopOnError;

        public void WriteArguments(FrameBuffer buffer) => Payload.WriteSpan(buffer, new ReadOnlySpan<int>(in x));
    }

    private sealed class Echo(long runId, byte[] data) : IRunRequest
    {
        public long RunId => runId;

        public ProcessTask Task => ClusterTasksProcessTasks.Echo;

        public byte Flags => 0;

        public void WriteArguments(FrameBuffer buffer) => Payload.WriteSpan(buffer, new ReadOnlySpan<byte[]>(in data));
    }

    private sealed class FakeOwner : ILaneOwner
    {
        public List<Lane> Enqueued { get; } = [];

        public List<Lane> Forgotten { get; } = [];

        public void Enqueue(Lane lane) => Enqueued.Add(lane);

        public void Forget(Lane lane) => Forgotten.Add(lane);
    }

    private sealed class RecordingEvents : IWorkerEvents
    {
        public List<string> Log { get; } = [];

        public List<WorkerExit> Exits { get; } = [];

        public void OnReady(IWorkerChannel worker) => Log.Add("ready");

        public void OnDone(IWorkerChannel worker, in DoneFrame done)
        {
            int result = 0;
            Payload.ReadSpan(done.Results, new Span<int>(ref result));
            Log.Add($"done {done.RunId} = {result}");
        }

        public void OnTimedOut(IWorkerChannel worker, long runId) => Log.Add($"timed out {runId}");

        public void OnIdle(IWorkerChannel worker) => Log.Add("idle");

        public void OnExited(IWorkerChannel worker, WorkerExit exit)
        {
            Log.Add("exited");
            Exits.Add(exit);
        }
    }

    /// <summary>A node grain that decodes what it is sent.</summary>
    private sealed class FakeNodeGrain : INodeGrain, INodeRecords
    {
        public List<string> Records { get; } = [];

        public List<(long Sequence, long Acknowledged)> Sent { get; } = [];

        public Task<NodeHello> Attach(CoordinatorHello hello) => throw new NotSupportedException();

        public Task Send(Guid session, long sequence, long acknowledged, byte[] records)
        {
            Sent.Add((sequence, acknowledged));
            ToNode.Read(records, this);
            return Task.CompletedTask;
        }

        public Task Detach(Guid session) => Task.CompletedTask;

        void INodeRecords.OpenLane(int lane) => Records.Add($"open {lane}");

        void INodeRecords.Run(int lane, long runId, ulong taskId, byte flags, ReadOnlyMemory<byte> arguments) => Records.Add($"run {lane}:{runId}");

        void INodeRecords.Cancel(int lane, long runId) => Records.Add($"cancel {lane}:{runId}");

        void INodeRecords.CloseLane(int lane) => Records.Add($"close {lane}");

        void INodeRecords.KillLane(int lane) => Records.Add($"kill {lane}");
    }
}
