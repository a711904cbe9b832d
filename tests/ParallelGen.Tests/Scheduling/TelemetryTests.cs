using System.Collections.Concurrent;
using System.Diagnostics;
using ParallelGen.Protocol;
using ParallelGen.Testing;

namespace ParallelGen.Tests.Scheduling;

/// <summary>
/// What a pool reports (metrics, spans, worker and fault events) for each decision of its scheduler, against a
/// <see cref="FakeBackend"/>: every crash, timeout, recycle and failed start happens when the test says so.
/// </summary>
public sealed class TelemetryTests
{
    private static readonly TimeSpan Short = TimeSpan.FromTicks(1);

    [Fact]
    public async Task A_crash_fails_the_call_as_worker_crashed_and_the_replacement_starts_as_a_restart()
    {
        using Observed test = new(processes: 1);
        AsyncResult<int> call = test.Pool.ApplyAsync(TestTasks.Square, 3);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        worker.StartNext(); // a call the worker never took up would run on the replacement instead
        worker.Exit(-11);

        await Assert.ThrowsAsync<WorkerCrashedException>(() => call.AsTask().WaitAsync(FakePool.Wait));
        WorkerExitedEventArgs exit = await test.NextExit();
        Assert.Equal((worker.Id, WorkerExitReason.Crashed, -11, 1, 0, true), (exit.WorkerPid, exit.Reason, exit.ExitCode, exit.FailedCalls, exit.RetriedCalls, exit.Replaced));
        Assert.Equal(
            [(worker.Id, WorkerStartReason.Initial), (test.Backend.Launched[1].Id, WorkerStartReason.Restart)],
            await test.Starts(2));

        Assert.Equal(1, test.Metrics.Sum("parallelgen.call.started", (ParallelGenDiagnostics.TaskNameTag, "Work.Square(int)"), ("parallelgen.call.shape", "apply")));
        Assert.Equal(1, test.Metrics.Sum("parallelgen.call.failed", ("error.type", "worker_crashed")));
        Assert.Equal(0, test.Metrics.Sum("parallelgen.call.completed"));
        Assert.Equal(1, test.Metrics.Sum("parallelgen.worker.exits", ("parallelgen.worker.exit_reason", "crashed")));
        Assert.Equal(1, test.Metrics.Sum("parallelgen.worker.starts", ("parallelgen.worker.start_reason", "restart")));
        Assert.Single(test.Metrics.Of("parallelgen.call.duration"), m => m.Has("error.type", "worker_crashed"));
    }

    [Fact]
    public async Task A_timeout_fails_that_call_as_timeout_names_its_task_and_counts_the_call_queued_behind_it_as_retried()
    {
        using Observed test = new(processes: 1, options => options.TaskTimeout = TimeSpan.FromSeconds(1));
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        for (int i = 0; i < 3; i++)
        {
            _ = test.Pool.ApplyAsync(TestTasks.Square, i);
            worker.RunNext(Short);
        }

        AsyncResult<int> stuck = test.Pool.ApplyAsync(TestTasks.Square, 10);
        _ = test.Pool.ApplyAsync(TestTasks.Square, 11);
        worker.ReportTimedOut(worker.PendingRunIds[0]);
        worker.Exit(124);

        await Assert.ThrowsAsync<TimeoutException>(() => stuck.AsTask().WaitAsync(FakePool.Wait));
        WorkerExitedEventArgs exit = await test.NextExit();
        Assert.Equal((WorkerExitReason.TimedOut, "Work.Square(int)", 1, 1, true), (exit.Reason, exit.TaskName, exit.FailedCalls, exit.RetriedCalls, exit.Replaced));
        Assert.Equal(1, test.Metrics.Sum("parallelgen.call.failed", ("error.type", "timeout")));
        Assert.Equal(3, test.Metrics.Sum("parallelgen.call.completed"));
        Assert.Equal(1, test.Metrics.Sum("parallelgen.worker.exits", ("parallelgen.worker.exit_reason", "timed_out")));
    }

    [Fact]
    public async Task A_worker_retired_after_MaxTasksPerWorker_exits_as_recycled_and_its_successor_starts_as_a_recycle_then_close_shuts_down()
    {
        using Observed test = new(processes: 1, options => options.MaxTasksPerWorker = 3);
        Task<int[]> map = test.Pool.MapAsync(TestTasks.Square, Enumerable.Range(1, 5), chunkSize: 1);
        FakeWorker first = test.Backend.Launched.Single();
        first.Ready();
        first.RunAll(Short);
        first.Exit(0);
        FakeWorker second = test.Backend.Launched[1];
        second.Ready();
        second.RunAll(Short);
        await map.WaitAsync(FakePool.Wait);
        test.Pool.Close();
        second.Exit(0);

        Assert.Equal(WorkerExitReason.Recycled, (await test.NextExit()).Reason);
        Assert.Equal(WorkerExitReason.Shutdown, (await test.NextExit()).Reason);
        Assert.Equal(WorkerStartReason.Recycle, (await test.Starts(2))[1].Reason);
        Assert.Equal(5, test.Metrics.Of("parallelgen.task.duration").Count);
        Assert.Equal(5, test.Metrics.Sum("parallelgen.map.items"));
        Assert.Equal(1, test.Metrics.Sum("parallelgen.call.completed", ("parallelgen.call.shape", "map")));
    }

    [Fact]
    public async Task Failed_starts_each_say_start_failed_and_the_pool_reports_degraded_then_unavailable_with_the_cause()
    {
        using Observed test = new(processes: 2);
        AsyncResult<int> queued = test.Pool.ApplyAsync(TestTasks.Square, 2);
        test.Backend.Launched[0].Exit(1, "cannot load the app");
        test.Backend.Launched[1].Exit(1, "cannot load the app");
        test.Time.Advance(TimeSpan.FromMilliseconds(100));
        test.Backend.Launched[2].Exit(1, "cannot load the app"); // the third in a row, no worker left: unavailable

        WorkerCrashedException fault = await Assert.ThrowsAsync<WorkerCrashedException>(() => queued.AsTask().WaitAsync(FakePool.Wait));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(WorkerExitReason.StartFailed, (await test.NextExit()).Reason);
        }

        Assert.Equal(PoolHealth.Degraded, (await test.NextHealth()).Health);
        PoolHealthChangedEventArgs unavailable = await test.NextHealth();
        Assert.Equal(PoolHealth.Unavailable, unavailable.Health);
        Assert.Same(fault, unavailable.Cause);
        Assert.Equal(1, test.Metrics.Sum("parallelgen.call.failed", ("error.type", "worker_crashed")));
    }

    [Fact]
    public async Task Terminating_reports_every_worker_as_terminated_and_the_queued_call_as_cancelled()
    {
        using Observed test = new(processes: 2);
        test.Backend.AllReady();
        AsyncResult<int> running = test.Pool.ApplyAsync(TestTasks.Square, 2);
        test.Pool.Terminate();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.AsTask().WaitAsync(FakePool.Wait));
        Assert.Equal(WorkerExitReason.Terminated, (await test.NextExit()).Reason);
        Assert.Equal(WorkerExitReason.Terminated, (await test.NextExit()).Reason);
        Assert.Equal(1, test.Metrics.Sum("parallelgen.call.failed", ("error.type", "cancelled")));
    }

    [Fact]
    public void The_queue_and_worker_instruments_read_the_pool_as_it_is_and_stop_when_it_is_gone()
    {
        using Observed test = new(processes: 2);
        _ = test.Pool.MapAsync(TestTasks.Square, Enumerable.Range(0, 100), chunkSize: 10);
        _ = test.Pool.ApplyAsync(TestTasks.Square, 1);
        Assert.Equal(101, test.Metrics.Observe("parallelgen.queue.items"));
        Assert.Equal(2, test.Metrics.Observe("parallelgen.worker.count"));

        test.Backend.Launched[0].Ready(); // a window of one: the first chunk leaves the queue
        Assert.Equal(91, test.Metrics.Observe("parallelgen.queue.items"));

        test.Pool.Terminate();
        Assert.Throws<InvalidOperationException>(() => test.Metrics.Observe("parallelgen.worker.count"));
    }

    [Fact]
    public void Pools_that_share_a_name_are_reported_together()
    {
        string name = $"fake-{Guid.NewGuid():N}";
        using TelemetryRecorder metrics = new(name);
        using FakePool two = new(processes: 2, options => options.Name = name);
        using FakePool three = new(processes: 3, options => options.Name = name);

        Assert.Equal(5, metrics.Observe("parallelgen.worker.count"));
        Assert.Single(metrics.Of("parallelgen.worker.count"));
    }

    [Fact]
    public async Task A_call_s_span_is_a_child_of_the_caller_s_and_its_run_s_span_goes_to_the_worker_as_the_run_frame_s_trace_context()
    {
        using Observed test = new(processes: 1);
        using ActivitySource callerSource = new("ParallelGen.Tests.Caller");
        using ActivityListener callerListener = new()
        {
            ShouldListenTo = source => source == callerSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(callerListener);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();

        AsyncResult<int> call;
        using (Activity caller = callerSource.StartActivity("caller")!)
        {
            call = test.Pool.ApplyAsync(TestTasks.Fail, 13);
            Assert.Same(caller, Activity.Current); // the pool's spans never become the caller's current one
            ActivityContext sent = RunFrame.Parse(worker.PendingFrames[0]).TraceContext!.Value;
            worker.RunNext();
            await Assert.ThrowsAsync<RemoteTaskException>(() => call.AsTask().WaitAsync(FakePool.Wait));
            await TelemetryRecorder.Until(() => test.Metrics.Spans.Count == 2, "both spans ended");

            Activity apply = test.Metrics.Spans.Single(s => s.OperationName == "ParallelGen.Apply");
            Activity run = test.Metrics.Spans.Single(s => s.OperationName == "ParallelGen.Run");
            Assert.Equal(caller.SpanId, apply.ParentSpanId);
            Assert.Equal(apply.SpanId, run.ParentSpanId);
            Assert.Equal((run.TraceId, run.SpanId), (sent.TraceId, sent.SpanId));
            Assert.Equal(ActivityKind.Client, run.Kind);
            Assert.Equal((ActivityStatusCode.Error, "remote_exception"), (apply.Status, apply.GetTagItem("error.type")));
            Assert.Equal((ActivityStatusCode.Error, "remote_exception"), (run.Status, run.GetTagItem("error.type")));
            Assert.Equal("apply Work.Fail(int)", apply.DisplayName);
        }
    }

    [Fact]
    public async Task A_run_taken_back_from_a_busy_worker_ends_its_span_as_withdrawn_and_runs_on_under_a_new_one()
    {
        using Observed test = new(processes: 2);
        test.Backend.AllReady();
        (FakeWorker first, FakeWorker second) = (test.Backend.Launched[0], test.Backend.Launched[1]);
        SchedulingPolicyTests.OpenWindows(test.Pool, first, second);
        await TelemetryRecorder.Until(() => test.Metrics.Spans.Count == 32, "the spans of the calls that opened the windows ended");

        AsyncResult<int> endless = test.Pool.ApplyAsync(TestTasks.Square, -1);
        AsyncResult<int>[] quick = [.. Enumerable.Range(0, 20).Select(i => test.Pool.ApplyAsync(TestTasks.Square, i))];
        first.StartNext(); // it runs the endless call, for ever
        second.RunAll(Short);
        test.Time.Advance(TimeSpan.FromMilliseconds(ParallelGen.Pool.PoolScheduler.BusyMilliseconds));
        int withdrawn = first.AnswerWithdrawals().Count;
        Assert.True(withdrawn > 0, "the runs queued behind the endless call were taken back");
        second.RunAll(Short);
        await Task.WhenAll(quick.Select(q => q.AsTask())).WaitAsync(FakePool.Wait);

        // Each taken-back run's span ends as withdrawn, without an error, and the same call runs on under a new span.
        await TelemetryRecorder.Until(() => test.Metrics.Spans.Count == 32 + (2 * 20) + withdrawn, "the quick calls' spans ended");
        Activity[] spans = [.. test.Metrics.Spans.Skip(32)];
        Activity[] given = [.. spans.Where(s => s.GetTagItem("parallelgen.run.withdrawn") is true)];
        Assert.Equal(withdrawn, given.Length);
        Assert.All(given, run =>
        {
            Assert.Equal((ActivityStatusCode.Unset, first.Id), (run.Status, (int)run.GetTagItem("parallelgen.worker.id")!));
            Activity again = Assert.Single(spans, s => s.ParentSpanId == run.ParentSpanId && s.OperationName == "ParallelGen.Run" && s != run);
            Assert.Equal((ActivityStatusCode.Unset, second.Id), (again.Status, (int)again.GetTagItem("parallelgen.worker.id")!));
        });
        Assert.False(endless.Ready);
    }

    [Fact]
    public void Nobody_listening_means_no_trace_context_on_the_wire()
    {
        using FakePool test = new(processes: 1);
        FakeWorker worker = test.Backend.Launched.Single();
        worker.Ready();
        _ = test.Pool.ApplyAsync(TestTasks.Square, 3);
        RunFrame frame = RunFrame.Parse(worker.PendingFrames[0]);
        Assert.Null(frame.TraceContext);
        Assert.Equal(0, frame.Flags & RunFrame.HasTraceContext);
    }

    /// <summary>A fake pool with a unique name, its telemetry recorded and its events collected.</summary>
    private sealed class Observed : IDisposable
    {
        private readonly FakePool _pool;
        private readonly ConcurrentQueue<(int, WorkerStartReason)> _starts = new();

        public Observed(int processes, Action<ProcessPoolOptions>? configure = null)
        {
            string name = $"fake-{Guid.NewGuid():N}";
            Metrics = new TelemetryRecorder(name);
            _pool = new FakePool(processes, options =>
            {
                options.Name = name;
                configure?.Invoke(options);
            });
            Pool.WorkerExited += (sender, e) =>
            {
                Assert.Same(Pool, sender);
                Exits.Writer.TryWrite(e);
            };
            Pool.HealthChanged += (_, e) => HealthChanges.Writer.TryWrite(e);
        }

        public TelemetryRecorder Metrics { get; }

        public ProcessPool Pool => _pool.Pool;

        public FakeBackend Backend => _pool.Backend;

        public System.Threading.Channels.Channel<WorkerExitedEventArgs> Exits { get; } = System.Threading.Channels.Channel.CreateUnbounded<WorkerExitedEventArgs>();

        public System.Threading.Channels.Channel<PoolHealthChangedEventArgs> HealthChanges { get; } = System.Threading.Channels.Channel.CreateUnbounded<PoolHealthChangedEventArgs>();

        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time => _pool.Time;

        public Task<PoolHealthChangedEventArgs> NextHealth() => HealthChanges.Reader.ReadAsync().AsTask().WaitAsync(FakePool.Wait);

        public Task<WorkerExitedEventArgs> NextExit() => Exits.Reader.ReadAsync().AsTask().WaitAsync(FakePool.Wait);

        /// <summary>The worker starts the metrics saw, as (worker, reason) in order, once there are <paramref name="count"/>.</summary>
        public async Task<(int Id, WorkerStartReason Reason)[]> Starts(int count)
        {
            await TelemetryRecorder.Until(() => Metrics.Of("parallelgen.worker.starts").Count >= count, $"{count} worker starts");
            return [.. Metrics.Of("parallelgen.worker.starts").Select((m, i) => (Backend.Launched[i].Id, ParseStart((string)m.Tags["parallelgen.worker.start_reason"]!)))];
        }

        public void Dispose()
        {
            _pool.Dispose();
            Metrics.Dispose();
        }

        private static WorkerStartReason ParseStart(string reason) => Enum.Parse<WorkerStartReason>(reason, ignoreCase: true);
    }
}
