namespace ParallelGen.Grains;

/// <summary>
/// The placement strategy of ParallelGen's grains: a grain lives on the silo its key names (the part before the first
/// <c>|</c>, a silo address). The coordinator's scheduler chooses which node gets which work; this strategy is how
/// Orleans honours that choice, instead of placing by its own random or sticky policy.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("ParallelGen.SiloPinnedPlacement")]
internal sealed class SiloPinnedPlacementStrategy : PlacementStrategy
{
    /// <summary>Gets the one instance.</summary>
    public static SiloPinnedPlacementStrategy Instance { get; } = new();
}
