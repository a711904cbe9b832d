namespace ParallelGen;

/// <summary>How far a bulk call (<c>Map</c>, <c>Starmap</c> and their async forms) has come, for progress bars.</summary>
/// <param name="Completed">The number of items whose results have arrived.</param>
/// <param name="Total">The number of items, when known (always, for the calls that report progress today).</param>
/// <param name="Elapsed">The time since the call started.</param>
public readonly record struct PoolProgress(long Completed, long? Total, TimeSpan Elapsed)
{
    /// <summary>Gets the completed fraction between 0 and 1, or <see langword="null"/> when the total is unknown.</summary>
    public double? Fraction => Total is > 0 ? (double)Completed / Total.Value : Total == 0 ? 1 : null;
}
