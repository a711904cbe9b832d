using System.Diagnostics;

namespace ParallelGen.IntegrationTests;

/// <summary>Tasks that look at tracing from inside a worker, as a task that starts its own spans would.</summary>
public static class ObservabilityWork
{
    /// <summary>The source a task's own spans come from (a user's library would have its own).</summary>
    public static readonly ActivitySource Source = new("ParallelGen.Tests.InWorker");

    private static ActivityListener? s_listener;

    /// <summary>
    /// The pool initializer that sets up tracing in each worker, as docs/observability.md advises: a listener for the
    /// task's own source and, when <paramref name="parallelGenToo"/>, for ParallelGen's.
    /// </summary>
    [ProcessTask]
    public static void ListenInWorker(bool parallelGenToo)
    {
        s_listener = new ActivityListener
        {
            ShouldListenTo = source => source == Source || (parallelGenToo && source.Name == ParallelGenDiagnostics.ActivitySourceName),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(s_listener);
    }

    /// <summary>
    /// Starts a span of the task's own and describes it and its parent:
    /// [trace id, its parent's span id, the worker span's id, the worker span's parent id, the worker span's source, the worker span's kind].
    /// </summary>
    [ProcessTask]
    public static string[] StartOwnSpan(int _)
    {
        Activity? worker = Activity.Current;
        using Activity? own = Source.StartActivity("own work");
        return
        [
            own?.TraceId.ToHexString() ?? "no span",
            own?.ParentSpanId.ToHexString() ?? "",
            worker?.SpanId.ToHexString() ?? "no current span",
            worker?.ParentSpanId.ToHexString() ?? "",
            worker?.Source.Name ?? "",
            worker?.Kind.ToString() ?? "",
        ];
    }

    [ProcessTask]
    public static byte[] Echo(byte[] data) => data;
}
