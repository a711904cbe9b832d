namespace ParallelGen;

/// <summary>
/// The names under which ParallelGen reports what its pools do: a <see cref="System.Diagnostics.Metrics.Meter"/> and an
/// <see cref="System.Diagnostics.ActivitySource"/>, both named <c>ParallelGen</c>. Subscribe to them with
/// OpenTelemetry (<c>AddMeter(ParallelGenDiagnostics.MeterName)</c>, <c>AddSource(ParallelGenDiagnostics.ActivitySourceName)</c>),
/// <c>dotnet-counters monitor --counters ParallelGen</c>, or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
/// <remarks>
/// Every instrument, its unit and its tags are listed in <c>docs/observability.md</c>. While nobody listens, the
/// instruments and the source cost a flag check per call.
/// </remarks>
public static class ParallelGenDiagnostics
{
    /// <summary>The name of ParallelGen's <see cref="System.Diagnostics.Metrics.Meter"/>: <c>ParallelGen</c>.</summary>
    public const string MeterName = "ParallelGen";

    /// <summary>The name of ParallelGen's <see cref="System.Diagnostics.ActivitySource"/>: <c>ParallelGen</c>.</summary>
    public const string ActivitySourceName = "ParallelGen";

    /// <summary>The tag that names the pool (<see cref="ProcessPoolOptions.Name"/>) on every instrument and span.</summary>
    public const string PoolNameTag = "parallelgen.pool.name";

    /// <summary>The tag that names the task (<c>Namespace.Type.Method(parameter types)</c>) on call and task instruments and spans.</summary>
    public const string TaskNameTag = "parallelgen.task.name";
}
