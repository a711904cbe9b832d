using Orleans.Runtime.Placement;

namespace ParallelGen.Grains;

/// <summary>Places a grain of <see cref="SiloPinnedPlacementStrategy"/> on the silo its key names, if that silo can host it.</summary>
internal sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    /// <summary>Gets the key of the grain pinned to <paramref name="silo"/>, with an optional second part.</summary>
    public static string KeyOf(SiloAddress silo, string? suffix = null) =>
        suffix is null ? silo.ToParsableString() : $"{silo.ToParsableString()}|{suffix}";

    /// <summary>Gets the silo a key names.</summary>
    public static SiloAddress SiloOf(string key)
    {
        int bar = key.IndexOf('|', StringComparison.Ordinal);
        return SiloAddress.FromParsableString(bar < 0 ? key : key[..bar]);
    }

    /// <summary>Gets the second part of a key (after the first <c>|</c>).</summary>
    public static string NodeOf(string key) => key[(key.IndexOf('|', StringComparison.Ordinal) + 1)..];

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress silo = SiloOf(target.GrainIdentity.Key.ToString()!);
        if (!context.GetCompatibleSilos(target).Contains(silo))
        {
            throw new OrleansException(
                $"ParallelGen cannot place {target.GrainIdentity} on silo {silo}: that silo is gone, or does not host this kind of grain (a coordinator hosts no worker).");
        }

        return Task.FromResult(silo);
    }
}
