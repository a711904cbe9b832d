namespace ParallelGen.Generators;

/// <summary>The names of the generator's pipeline steps, for caching tests.</summary>
internal static class TrackingNames
{
    public const string Tasks = nameof(Tasks);
    public const string TaskModels = nameof(TaskModels);
    public const string TasksByType = nameof(TasksByType);
    public const string CallSites = nameof(CallSites);
    public const string CallSiteModels = nameof(CallSiteModels);
    public const string Assembly = nameof(Assembly);
}
