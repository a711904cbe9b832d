using System.Diagnostics;

namespace ParallelGen.Pool;

/// <summary>The progress reports of one bulk call: at most one every 50 ms, and always the final one.</summary>
/// <remarks>
/// Not thread-safe: a call computes its figures and asks for a report under a lock of its own, so that counts never go
/// backwards. The report itself is posted to the pool's <see cref="CallbackQueue"/> and reaches the user's
/// <see cref="IProgress{T}"/> later, outside every lock.
/// </remarks>
internal sealed class ProgressReporter(IProgress<PoolProgress> progress, CallbackQueue callbacks, Action<Exception> fail)
{
    private static readonly long s_interval = Stopwatch.Frequency / 20;

    private readonly long _started = Stopwatch.GetTimestamp();
    private long _lastReport;

    /// <summary>
    /// Reports <paramref name="completed"/> of <paramref name="total"/> items if 50 ms have passed since the last report,
    /// or if <paramref name="final"/>; <paramref name="then"/>, if given, runs after the report has been delivered.
    /// </summary>
    public void Report(long completed, long? total, bool final, Action? then = null)
    {
        long now = Stopwatch.GetTimestamp();
        if (final || now - _lastReport >= s_interval)
        {
            _lastReport = now;
            callbacks.Post(Deliver, (new PoolProgress(completed, total, Stopwatch.GetElapsedTime(_started, now)), then));
        }
        else
        {
            then?.Invoke();
        }
    }

    private void Deliver(object? state)
    {
        (PoolProgress report, Action? then) = ((PoolProgress, Action?))state!;
        try
        {
            progress.Report(report);
        }
        catch (Exception e)
        {
            // A handler that throws fails its call, as it would if it ran inline.
            fail(e);
        }

        then?.Invoke();
    }
}
