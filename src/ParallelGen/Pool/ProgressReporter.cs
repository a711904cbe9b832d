using System.Diagnostics;

namespace ParallelGen.Pool;

/// <summary>The progress reports of one bulk call: at most one every 50 ms, and always the final one.</summary>
/// <remarks>Not thread-safe: callers report under a lock of their own, so that counts never go backwards.</remarks>
internal sealed class ProgressReporter(IProgress<PoolProgress> progress)
{
    private static readonly long s_interval = Stopwatch.Frequency / 20;

    private readonly long _started = Stopwatch.GetTimestamp();
    private long _lastReport;

    /// <summary>Reports <paramref name="completed"/> of <paramref name="total"/> items if 50 ms have passed since the last report, or if <paramref name="final"/>.</summary>
    public void Report(long completed, long? total, bool final)
    {
        long now = Stopwatch.GetTimestamp();
        if (final || now - _lastReport >= s_interval)
        {
            _lastReport = now;
            progress.Report(new PoolProgress(completed, total, Stopwatch.GetElapsedTime(_started, now)));
        }
    }
}
