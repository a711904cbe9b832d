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

    /// <summary>
    /// Gets <see langword="false"/>: the key says where the grain lives, so it is not registered in Orleans' grain
    /// directory. A registered activation is deactivated when the silo that held its directory entry dies, which is
    /// any silo of the cluster, and a one-way batch that reached it then could be dropped.
    /// </summary>
    public override bool IsUsingGrainDirectory => false;
}
