using System.Diagnostics.CodeAnalysis;
using Orleans.Metadata;
using Orleans.Runtime.Placement;

namespace ParallelGen.Grains;

/// <summary>
/// Resolves ParallelGen's grain types to <see cref="SiloPinnedPlacementStrategy"/> by name. Orleans resolves a grain
/// type's strategy once and keeps it; a coordinator, which hosts no node grain, may first ask before the new node's
/// grain types have reached it, and would otherwise keep the default (random) placement for good.
/// </summary>
internal sealed class SiloPinnedPlacementResolver : IPlacementStrategyResolver
{
    private static readonly GrainType s_node = GrainType.Create(NodeGrain.TypeName);
    private static readonly GrainType s_pool = GrainType.Create(PoolGrain.TypeName);

    public bool TryResolvePlacementStrategy(GrainType grainType, GrainProperties? properties, [MaybeNullWhen(false)] out PlacementStrategy result)
    {
        if (grainType.Equals(s_node) || grainType.Equals(s_pool))
        {
            result = SiloPinnedPlacementStrategy.Instance;
            return true;
        }

        result = null;
        return false;
    }
}
