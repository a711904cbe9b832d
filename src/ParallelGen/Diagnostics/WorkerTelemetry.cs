using System.Diagnostics;
using ParallelGen.Protocol;

namespace ParallelGen.Diagnostics;

/// <summary>The worker's side of tracing: the span a <c>Run</c> frame's task runs in.</summary>
internal static class WorkerTelemetry
{
    /// <summary>
    /// Starts the span of a run whose parent sent a trace context, and makes it <see cref="Activity.Current"/> while the
    /// task runs, so that a span the task starts is part of the caller's trace. Call <see cref="Stop"/> after the task.
    /// </summary>
    /// <remarks>
    /// With a listener for the <c>ParallelGen</c> source in the worker, the span is that source's <c>Server</c> span, a
    /// child of the parent's run span, and the task's spans are its children. Without one it is a bare
    /// <see cref="Activity"/> with the caller's context as parent: nothing records it, but the task's spans still
    /// belong to the caller's trace.
    /// </remarks>
    /// <returns>The span, or <see langword="null"/> when the parent sent no trace context (nobody traces the call).</returns>
    public static Activity? Start(in RunFrame run, string? taskName)
    {
        if (run.TraceContext is not { } parent)
        {
            return null;
        }

        Activity? activity = Telemetry.Source.StartActivity("ParallelGen.Execute", ActivityKind.Server, parent);
        if (activity is null)
        {
            activity = new Activity("ParallelGen.Execute");
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            activity.TraceStateString = parent.TraceState;
            activity.Start();
        }
        else if (activity.IsAllDataRequested)
        {
            activity.SetTag(ParallelGenDiagnostics.TaskNameTag, taskName);
            activity.SetTag(Telemetry.RunIdTag, run.RunId);
            activity.SetTag(Telemetry.ItemsTag, run.Count);
        }

        if (taskName is not null)
        {
            activity.DisplayName = $"execute {taskName}";
        }

        return activity;
    }

    /// <summary>Ends the run's span; the thread's current span goes back to what it was before <see cref="Start"/>.</summary>
    public static void Stop(Activity? activity) => activity?.Stop();
}
