using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ParallelGen.Diagnostics;

/// <summary>
/// ParallelGen's <see cref="Meter"/> and <see cref="ActivitySource"/> and every instrument, in one place
/// (<c>docs/observability.md</c> lists them). The pool, the process backend and the worker record through
/// <see cref="PoolTelemetry"/>, <see cref="CallTelemetry"/> and <see cref="WorkerTelemetry"/>, with one-line hooks.
/// </summary>
/// <remarks>
/// Nothing here costs more than a flag check while nobody listens: every hook tests <see cref="Instrument.Enabled"/>
/// or <see cref="ActivitySource.HasListeners"/> before it builds a tag or a span.
/// </remarks>
internal static class Telemetry
{
    public const string CallShapeTag = "parallelgen.call.shape";
    public const string ErrorTypeTag = "error.type";
    public const string StartReasonTag = "parallelgen.worker.start_reason";
    public const string ExitReasonTag = "parallelgen.worker.exit_reason";
    public const string DirectionTag = "network.io.direction";
    public const string PathTag = "parallelgen.transport.path";
    public const string WorkerIdTag = "parallelgen.worker.id";
    public const string RunIdTag = "parallelgen.run.id";
    public const string ItemsTag = "parallelgen.items";
    public const string WithdrawnTag = "parallelgen.run.withdrawn";

    private static readonly string? s_version = typeof(Telemetry).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource Source = new(ParallelGenDiagnostics.ActivitySourceName, s_version);

    public static readonly Meter Meter = new(ParallelGenDiagnostics.MeterName, s_version);

    public static readonly Counter<long> CallsStarted = Meter.CreateCounter<long>(
        "parallelgen.call.started", "{call}", "Calls submitted to a pool (Apply, Map, Imap and their variants).");

    public static readonly Counter<long> CallsCompleted = Meter.CreateCounter<long>(
        "parallelgen.call.completed", "{call}", "Calls that completed with their results.");

    public static readonly Counter<long> CallsFailed = Meter.CreateCounter<long>(
        "parallelgen.call.failed", "{call}", "Calls that failed, by error.type: remote_exception, worker_crashed, timeout, cancelled, or an exception type.");

    public static readonly Histogram<double> CallDuration = CreateSecondsHistogram(
        "parallelgen.call.duration", "Time from submitting a call until its outcome was known, in the parent.");

    public static readonly Histogram<double> TaskDuration = CreateSecondsHistogram(
        "parallelgen.task.duration", "Time a worker spent on one run: a single call, or one chunk of a bulk call.");

    public static readonly Histogram<long> MapItems = Meter.CreateHistogram<long>(
        "parallelgen.map.items", "{item}", "Items per Map or Starmap call.");

    public static readonly ObservableUpDownCounter<long> QueuedItems = Meter.CreateObservableUpDownCounter(
        "parallelgen.queue.items", static () => PoolTelemetry.ObserveQueuedItems(), "{item}", "Items waiting in a pool's queue for a worker.");

    public static readonly ObservableUpDownCounter<int> AliveWorkers = Meter.CreateObservableUpDownCounter(
        "parallelgen.worker.count", static () => PoolTelemetry.ObserveAliveWorkers(), "{worker}", "Worker processes alive, starting ones included.");

    public static readonly Counter<long> WorkerStarts = Meter.CreateCounter<long>(
        "parallelgen.worker.starts", "{worker}", "Worker processes started, by start reason: initial, restart (a worker died) or recycle (MaxTasksPerWorker).");

    public static readonly Counter<long> WorkerExits = Meter.CreateCounter<long>(
        "parallelgen.worker.exits", "{worker}", "Worker processes that exited, by exit reason.");

    public static readonly Counter<long> TransportBytes = Meter.CreateCounter<long>(
        "parallelgen.transport.bytes", "By", "Frame bytes between a pool and its workers, by direction and path (pipe or shared_memory).");

    /// <summary>Gets whether anyone listens to the call-level instruments or to the spans.</summary>
    public static bool CallsObserved =>
        CallsStarted.Enabled || CallsCompleted.Enabled || CallsFailed.Enabled || CallDuration.Enabled || MapItems.Enabled || Source.HasListeners();

    /// <summary>The <c>error.type</c> of a failed call: one of a few fixed values, or the exception's type name.</summary>
    public static string ErrorType(Exception exception) => exception switch
    {
        RemoteTaskException => "remote_exception",
        WorkerCrashedException => "worker_crashed",
        TimeoutException => "timeout",
        OperationCanceledException => "cancelled",
        _ => exception.GetType().FullName ?? "_OTHER",
    };

    /// <summary>
    /// Starts a span without making it the thread's <see cref="Activity.Current"/>: a pool's spans start on whichever
    /// thread submits or dispatches, and must not become the parent of what that thread does next.
    /// </summary>
    public static Activity? StartDetached(string name, ActivityKind kind, ActivityContext parent)
    {
        Activity? previous = Activity.Current;
        Activity? activity = parent == default ? Source.StartActivity(name, kind) : Source.StartActivity(name, kind, parent);
        if (activity is not null)
        {
            Activity.Current = previous;
        }

        return activity;
    }

    /// <summary>
    /// Stops a span on any thread, leaving that thread's <see cref="Activity.Current"/> as it was (<see cref="Activity.Stop"/>
    /// would set it to the span's parent).
    /// </summary>
    public static void Stop(Activity activity, string? errorType = null, string? errorMessage = null)
    {
        if (errorType is not null)
        {
            activity.SetTag(ErrorTypeTag, errorType);
            activity.SetStatus(ActivityStatusCode.Error, errorMessage);
        }

        Activity? current = Activity.Current;
        activity.Stop();
        if (!ReferenceEquals(current, activity))
        {
            Activity.Current = current;
        }
    }

    /// <summary>Converts <see cref="Stopwatch"/> ticks to seconds.</summary>
    public static double Seconds(long stopwatchTicks) => (double)stopwatchTicks / Stopwatch.Frequency;

    private static Histogram<double> CreateSecondsHistogram(string name, string description)
    {
#if NET9_0_OR_GREATER
        // OpenTelemetry's default buckets are made for milliseconds; these span 10 µs to 5 min in seconds.
        return Meter.CreateHistogram<double>(name, "s", description, tags: null, new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
        });
#else
        return Meter.CreateHistogram<double>(name, "s", description);
#endif
    }
}
