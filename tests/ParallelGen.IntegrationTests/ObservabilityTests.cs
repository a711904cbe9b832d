using System.Collections.Concurrent;
using System.Diagnostics;
using ParallelGen.Testing;

namespace ParallelGen.IntegrationTests;

/// <summary>
/// The <c>ParallelGen</c> meter, activity source and pool events through real worker processes: figures after real
/// calls, a crash and a timeout, and one trace from the caller's span into a task's own span in its worker.
/// </summary>
public sealed class ObservabilityTests
{
    [Fact]
    public Task Real_calls_are_counted_by_task_and_shape_and_their_bytes_by_direction_and_path() => Deadline.Run(async () =>
    {
        string name = UniqueName();
        using TelemetryRecorder telemetry = new(name);
        using TestPool test = new(processes: 2, new ProcessPoolOptions { Name = name });
        Assert.Equal(name, test.Pool.Name);
        await test.Pool.WaitForWorkersAsync();

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i * i, test.Pool.Apply(Work.Square, i));
        }

        Assert.Equal(100, test.Pool.Map(Work.Square, Enumerable.Range(0, 100)).Length);
        Assert.Throws<RemoteTaskException>(() => test.Pool.Apply(Work.Fail, 13));
        byte[] large = new byte[1 << 20];
        Assert.Equal(large.Length, test.Pool.Apply(ObservabilityWork.Echo, large).Length);

        string square = TaskName("Square(int)");
        await TelemetryRecorder.Until(() => telemetry.Sum("parallelgen.call.completed") == 5, "five calls completed");
        Assert.Equal(3, telemetry.Sum("parallelgen.call.started", (ParallelGenDiagnostics.TaskNameTag, square), ("parallelgen.call.shape", "apply")));
        Assert.Equal(1, telemetry.Sum("parallelgen.call.started", (ParallelGenDiagnostics.TaskNameTag, square), ("parallelgen.call.shape", "map")));
        Assert.Equal(1, telemetry.Sum("parallelgen.call.failed", ("error.type", "remote_exception"), (ParallelGenDiagnostics.TaskNameTag, TaskName("Fail(int)"))));
        Assert.Equal(100, Assert.Single(telemetry.Of("parallelgen.map.items")).Value);
        Assert.Equal(6, telemetry.Of("parallelgen.call.duration").Count);

        // The Map ran in chunks of 13 (100 / (2 workers × 4), rounded up): 8 runs, each timed by its worker.
        IReadOnlyList<RecordedMeasurement> runs = telemetry.Of("parallelgen.task.duration");
        Assert.Equal(3 + 8 + 1 + 1, runs.Count);
        Assert.All(runs, r => Assert.InRange(r.Value, 0, 30));

        // 1 MiB each way went through shared memory, everything else through the pipe.
        Assert.InRange(telemetry.Sum("parallelgen.transport.bytes", ("network.io.direction", "transmit"), ("parallelgen.transport.path", "shared_memory")), 1 << 20, (1 << 20) + 1024);
        Assert.InRange(telemetry.Sum("parallelgen.transport.bytes", ("network.io.direction", "receive"), ("parallelgen.transport.path", "shared_memory")), 1 << 20, (1 << 20) + 1024);
        Assert.InRange(telemetry.Sum("parallelgen.transport.bytes", ("network.io.direction", "transmit"), ("parallelgen.transport.path", "pipe")), 100 * 4, 64 * 1024);
        Assert.InRange(telemetry.Sum("parallelgen.transport.bytes", ("network.io.direction", "receive"), ("parallelgen.transport.path", "pipe")), 100 * 4, 64 * 1024);

        Assert.Equal(2, telemetry.Sum("parallelgen.worker.starts", ("parallelgen.worker.start_reason", "initial")));
        Assert.Equal(2, telemetry.Observe("parallelgen.worker.count"));
        Assert.Equal(0, telemetry.Observe("parallelgen.queue.items"));
    });

    [Fact]
    public Task A_worker_killed_mid_call_is_reported_as_a_crash_and_its_replacement_as_a_restart() => Deadline.Run(async () =>
    {
        string name = UniqueName();
        using TelemetryRecorder telemetry = new(name);
        using TestPool test = new(processes: 1, new ProcessPoolOptions { Name = name });
        Events events = new(test.Pool);
        int pid = test.Pool.WorkerPids.Single();

        WorkerCrashedException crash = Assert.Throws<WorkerCrashedException>(() => test.Pool.Apply(Work.KillSelf, 9));

        WorkerExitedEventArgs exit = await events.NextExit();
        Assert.Equal((pid, WorkerExitReason.Crashed, -9, 1, true), (exit.WorkerPid, exit.Reason, exit.ExitCode, exit.FailedCalls, exit.Replaced));
        WorkerStartedEventArgs restart = await events.StartAfterTheFirst();
        Assert.Equal(WorkerStartReason.Restart, restart.Reason);
        Assert.NotEqual(pid, restart.WorkerPid);
        Assert.Equal(crash.WorkerPid, exit.WorkerPid);
        Assert.Equal(1, telemetry.Sum("parallelgen.call.failed", ("error.type", "worker_crashed")));
        Assert.Equal(1, telemetry.Sum("parallelgen.worker.exits", ("parallelgen.worker.exit_reason", "crashed")));
        Assert.Equal(1, telemetry.Sum("parallelgen.worker.starts", ("parallelgen.worker.start_reason", "restart")));
        Assert.Equal(16, test.Pool.Apply(Work.Square, 4));
    });

    [Fact]
    public Task A_call_past_the_task_timeout_is_reported_as_a_timeout_of_its_task() => Deadline.Run(async () =>
    {
        string name = UniqueName();
        using TelemetryRecorder telemetry = new(name);
        using TestPool test = new(processes: 1, new ProcessPoolOptions { Name = name, TaskTimeout = TimeSpan.FromMilliseconds(300) });
        Events events = new(test.Pool);

        Assert.Throws<TimeoutException>(() => test.Pool.Apply(Work.Hang, 0));

        WorkerExitedEventArgs exit = await events.NextExit();
        Assert.Equal((WorkerExitReason.TimedOut, TaskName("Hang(int)"), true), (exit.Reason, exit.TaskName, exit.Replaced));
        Assert.Equal(1, telemetry.Sum("parallelgen.call.failed", ("error.type", "timeout"), (ParallelGenDiagnostics.TaskNameTag, TaskName("Hang(int)"))));
        Assert.Equal(1, telemetry.Sum("parallelgen.worker.exits", ("parallelgen.worker.exit_reason", "timed_out")));
        Assert.Contains(telemetry.Spans, s => s.OperationName == "ParallelGen.Run" && Equals(s.GetTagItem("error.type"), "timeout"));
    });

    [Fact]
    public Task A_span_a_task_starts_in_its_worker_is_a_child_of_the_worker_s_span_which_is_a_child_of_the_caller_s_run_span() => Deadline.Run(async () =>
    {
        (string[] inWorker, ActivityTraceId traceId, Activity run) = await TraceThroughAWorker(parallelGenListenedToInWorker: true);

        Assert.Equal(traceId.ToHexString(), inWorker[0]);                 // one trace, across the process boundary
        Assert.Equal(inWorker[2], inWorker[1]);                            // the task's span is a child of the worker's span
        Assert.Equal(run.SpanId.ToHexString(), inWorker[3]);               // which is a child of the caller's run span
        Assert.Equal((ParallelGenDiagnostics.ActivitySourceName, "Server"), (inWorker[4], inWorker[5]));
    });

    [Fact]
    public Task Without_a_ParallelGen_listener_in_the_worker_a_task_s_span_still_joins_the_caller_s_trace() => Deadline.Run(async () =>
    {
        (string[] inWorker, ActivityTraceId traceId, Activity run) = await TraceThroughAWorker(parallelGenListenedToInWorker: false);

        Assert.Equal(traceId.ToHexString(), inWorker[0]);
        Assert.Equal(run.SpanId.ToHexString(), inWorker[3]);
        Assert.Equal("", inWorker[4]); // a bare activity: nothing in the worker records it
    });

    [Fact]
    public Task A_Map_has_one_span_with_a_child_span_per_chunk() => Deadline.Run(async () =>
    {
        string name = UniqueName();
        using TelemetryRecorder telemetry = new(name);
        using TestPool test = new(processes: 2, new ProcessPoolOptions { Name = name });

        Assert.Equal(40, (await test.Pool.MapAsync(Work.Square, Enumerable.Range(0, 40), chunkSize: 10)).Length);

        await TelemetryRecorder.Until(() => telemetry.Spans.Count == 5, "the Map's span and its four chunks' spans ended");
        Activity map = telemetry.Spans.Single(s => s.OperationName == "ParallelGen.Map");
        Activity[] chunks = [.. telemetry.Spans.Where(s => s.OperationName == "ParallelGen.Run")];
        Assert.Equal(4, chunks.Length);
        Assert.All(chunks, chunk => Assert.Equal((map.TraceId, map.SpanId, 10), (chunk.TraceId, chunk.ParentSpanId, (int)chunk.GetTagItem("parallelgen.items")!)));
        Assert.Equal(40, (int)map.GetTagItem("parallelgen.items")!);
        Assert.Equal(ActivityStatusCode.Unset, map.Status);
    });

    [Fact]
    public Task A_chunk_that_streams_its_items_as_they_finish_is_timed_and_traced_as_one_run() => Deadline.Run(async () =>
    {
        string name = UniqueName();
        using TelemetryRecorder telemetry = new(name);
        using TestPool test = new(processes: 1, new ProcessPoolOptions { Name = name });

        // Ten 60 ms items in one chunk: the worker sends each result as it finishes (partial answers), then the last.
        int[] results = await test.Pool.MapAsync(SchedulingWork.Nap, Enumerable.Repeat(60, 10), chunkSize: 10);

        Assert.All(results, r => Assert.Equal(60, r));
        await TelemetryRecorder.Until(() => telemetry.Spans.Count == 2, "the Map's span and its chunk's span ended");
        double seconds = Assert.Single(telemetry.Of("parallelgen.task.duration")).Value;
        Assert.InRange(seconds, 0.6, 60);
        Activity run = telemetry.Spans.Single(s => s.OperationName == "ParallelGen.Run");
        Assert.True(run.Duration >= TimeSpan.FromMilliseconds(600), $"the run's span lasted {run.Duration}, not the whole chunk");
    });

    /// <summary>
    /// Calls <see cref="ObservabilityWork.StartOwnSpan"/> inside a span of the caller's, in a pool whose workers listen
    /// to the task's source (and to ParallelGen's, if so asked); returns what the task saw, the caller's trace and the
    /// run's span in the parent.
    /// </summary>
    private static async Task<(string[] InWorker, ActivityTraceId TraceId, Activity Run)> TraceThroughAWorker(bool parallelGenListenedToInWorker)
    {
        string name = UniqueName();
        using TelemetryRecorder telemetry = new(name);
        using TestPool test = new(processes: 1, new ProcessPoolOptions { Name = name, Initializer = PoolInitializer.Create(ObservabilityWork.ListenInWorker, parallelGenListenedToInWorker) });
        using ActivitySource callerSource = new("ParallelGen.Tests.Caller");
        using ActivityListener callerListener = Listen(callerSource);

        string[] inWorker;
        ActivityTraceId traceId;
        using (Activity caller = callerSource.StartActivity("handle request")!)
        {
            traceId = caller.TraceId;
            inWorker = await test.Pool.ApplyAsync(ObservabilityWork.StartOwnSpan, 1);
        }

        await TelemetryRecorder.Until(() => telemetry.Spans.Count == 2, "the call's and the run's spans ended");
        return (inWorker, traceId, telemetry.Spans.Single(s => s.OperationName == "ParallelGen.Run"));
    }

    private static string UniqueName() => $"obs-{Guid.NewGuid():N}";

    private static string TaskName(string method) => $"ParallelGen.IntegrationTests.Work.{method}";

    private static ActivityListener Listen(ActivitySource source)
    {
        ActivityListener listener = new()
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>The pool's worker events, as they arrive.</summary>
    private sealed class Events
    {
        private readonly System.Threading.Channels.Channel<WorkerExitedEventArgs> _exits = System.Threading.Channels.Channel.CreateUnbounded<WorkerExitedEventArgs>();
        private readonly ConcurrentQueue<WorkerStartedEventArgs> _starts = new();

        public Events(ProcessPool pool)
        {
            pool.WorkerExited += (_, e) => _exits.Writer.TryWrite(e);
            pool.WorkerStarted += (_, e) => _starts.Enqueue(e);
        }

        public Task<WorkerExitedEventArgs> NextExit() => _exits.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        /// <summary>The first start the handler saw (handlers are attached after the pool's first workers started).</summary>
        public async Task<WorkerStartedEventArgs> StartAfterTheFirst()
        {
            await TelemetryRecorder.Until(() => !_starts.IsEmpty, "a worker start");
            return _starts.First();
        }
    }
}
