using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ParallelGen.Testing;

/// <summary>One measurement of a ParallelGen instrument, with its tags.</summary>
internal sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public bool Has(string key, object? value) => Tags.TryGetValue(key, out object? actual) && Equals(actual, value);
}

/// <summary>
/// Records what the <c>ParallelGen</c> meter and activity source report about one pool, picked by its name: tests run
/// in parallel and every pool of the process reports to the same instruments, so each test names its pool uniquely.
/// </summary>
internal sealed class TelemetryRecorder : IDisposable
{
    private readonly string _pool;
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public TelemetryRecorder(string poolName, bool traces = true)
    {
        _pool = poolName;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ParallelGenDiagnostics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();

        _activities = new ActivityListener
        {
            ShouldListenTo = source => traces && source.Name == ParallelGenDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(ParallelGenDiagnostics.PoolNameTag), _pool))
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);
    }

    /// <summary>Gets the spans of the pool that have ended so far.</summary>
    public IReadOnlyList<Activity> Spans => [.. _stopped];

    /// <summary>Gets the measurements of <paramref name="instrument"/> so far.</summary>
    public IReadOnlyList<RecordedMeasurement> Of(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    /// <summary>Sums the measurements of <paramref name="instrument"/> that carry every given tag.</summary>
    public double Sum(string instrument, params (string Key, object? Value)[] tags) =>
        Of(instrument).Where(m => tags.All(t => m.Has(t.Key, t.Value))).Sum(m => m.Value);

    /// <summary>Asks the observable instruments for their values now, and returns the pool's value of <paramref name="instrument"/>.</summary>
    public double Observe(string instrument)
    {
        int before = Of(instrument).Count;
        _meters.RecordObservableInstruments();
        IReadOnlyList<RecordedMeasurement> all = Of(instrument);
        return all.Count > before ? all[^1].Value : throw new InvalidOperationException($"{instrument} reported nothing for pool {_pool}.");
    }

    /// <summary>Waits until <paramref name="condition"/> holds (metrics of a call are recorded as its outcome is delivered, on other threads).</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        Dictionary<string, object?> copy = [];
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        if (copy.TryGetValue(ParallelGenDiagnostics.PoolNameTag, out object? pool) && Equals(pool, _pool))
        {
            _measurements.Enqueue(new RecordedMeasurement(instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy));
        }
    }
}
