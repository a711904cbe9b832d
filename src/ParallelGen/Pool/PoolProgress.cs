namespace ParallelGen;

/// <summary>How far a bulk call (<c>Map</c>, <c>Starmap</c>, their async forms, the <c>Imap</c> family) has come, for progress bars.</summary>
/// <param name="Completed">The number of items whose results have arrived.</param>
/// <param name="Total">
/// The number of items, when known: always for <c>Map</c> and <c>Starmap</c>; for <c>Imap</c>, once its lazy input has
/// been read to the end.
/// </param>
/// <param name="Elapsed">The time since the call started.</param>
public readonly record struct PoolProgress(long Completed, long? Total, TimeSpan Elapsed)
{
    /// <summary>Gets the completed fraction between 0 and 1, or <see langword="null"/> when the total is unknown.</summary>
    public double? Fraction => Total is > 0 ? (double)Completed / Total.Value : Total == 0 ? 1 : null;
}
