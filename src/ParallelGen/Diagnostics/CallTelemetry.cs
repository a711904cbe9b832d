using System.Diagnostics;
using ParallelGen.Dispatch;

namespace ParallelGen.Diagnostics;

/// <summary>
/// The telemetry of one call while it is in a pool: it counts the call as started, holds its span, and on its outcome
/// counts it as completed or failed and records its duration. Created only while someone listens
/// (<see cref="PoolTelemetry.CallStarted"/>), so a call nobody observes allocates nothing for it.
/// </summary>
/// <remarks>The outcome is recorded once, whichever thread reports it first; the others are ignored.</remarks>
internal sealed class CallTelemetry
{
    private readonly PoolTelemetry _pool;
    private readonly string _shape;
    private readonly ProcessTask _task;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Activity? _activity;
    private int _ended;

    public CallTelemetry(PoolTelemetry pool, string shape, ProcessTask task, int? items)
    {
        _pool = pool;
        _shape = shape;
        _task = task;
        if (Telemetry.CallsStarted.Enabled)
        {
            Telemetry.CallsStarted.Add(1, pool.PoolTag, new(ParallelGenDiagnostics.TaskNameTag, task.Name), new(Telemetry.CallShapeTag, shape));
        }

        if (items is { } count && Telemetry.MapItems.Enabled)
        {
            Telemetry.MapItems.Record(count, pool.PoolTag, new(ParallelGenDiagnostics.TaskNameTag, task.Name));
        }

        // The call's span is a child of the caller's current span; the spans of its runs are children of it.
        _activity = Telemetry.StartDetached(OperationName(shape), ActivityKind.Internal, default);
        if (_activity is not null)
        {
            _activity.DisplayName = $"{shape} {task.Name}";
            if (_activity.IsAllDataRequested)
            {
                _activity.SetTag(ParallelGenDiagnostics.PoolNameTag, pool.Name);
                _activity.SetTag(ParallelGenDiagnostics.TaskNameTag, task.Name);
                _activity.SetTag(Telemetry.CallShapeTag, shape);
                if (items is not null)
                {
                    _activity.SetTag(Telemetry.ItemsTag, items);
                }
            }
        }
    }

    /// <summary>Gets the context of the call's span, the parent of its runs' spans; default if it has none.</summary>
    public ActivityContext Context => _activity?.Context ?? default;

    /// <summary>Records that the call completed with its results.</summary>
    public void Succeeded()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        if (Telemetry.CallsCompleted.Enabled)
        {
            Telemetry.CallsCompleted.Add(1, _pool.PoolTag, new(ParallelGenDiagnostics.TaskNameTag, _task.Name), new(Telemetry.CallShapeTag, _shape));
        }

        RecordDuration(null);
        if (_activity is not null)
        {
            Telemetry.Stop(_activity);
        }
    }

    /// <summary>Records that the call failed with <paramref name="exception"/>.</summary>
    public void Failed(Exception exception) => Failed(Telemetry.ErrorType(exception), exception.Message);

    /// <summary>Records that the caller cancelled the call.</summary>
    public void Cancelled() => Failed("cancelled", "The call was cancelled.");

    private void Failed(string errorType, string message)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        if (Telemetry.CallsFailed.Enabled)
        {
            Telemetry.CallsFailed.Add(
                1,
                _pool.PoolTag,
                new(ParallelGenDiagnostics.TaskNameTag, _task.Name),
                new(Telemetry.CallShapeTag, _shape),
                new(Telemetry.ErrorTypeTag, errorType));
        }

        RecordDuration(errorType);
        if (_activity is not null)
        {
            Telemetry.Stop(_activity, errorType, message);
        }
    }

    private static string OperationName(string shape) => shape switch
    {
        "apply" => "ParallelGen.Apply",
        "map" => "ParallelGen.Map",
        "imap" => "ParallelGen.Imap",
        _ => $"ParallelGen.{shape}",
    };

    private void RecordDuration(string? errorType)
    {
        if (!Telemetry.CallDuration.Enabled)
        {
            return;
        }

        TagList tags = new()
        {
            _pool.PoolTag,
            new(ParallelGenDiagnostics.TaskNameTag, _task.Name),
            new(Telemetry.CallShapeTag, _shape),
        };
        if (errorType is not null)
        {
            tags.Add(Telemetry.ErrorTypeTag, errorType);
        }

        Telemetry.CallDuration.Record(Telemetry.Seconds(Stopwatch.GetTimestamp() - _started), tags);
    }
}
