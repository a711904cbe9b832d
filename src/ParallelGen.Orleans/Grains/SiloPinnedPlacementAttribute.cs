namespace ParallelGen.Grains;

/// <summary>Marks a grain class as placed by <see cref="SiloPinnedPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class SiloPinnedPlacementAttribute : PlacementAttribute
{
    public SiloPinnedPlacementAttribute()
        : base(SiloPinnedPlacementStrategy.Instance)
    {
    }
}
