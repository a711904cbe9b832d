namespace ParallelGen.Grains;

/// <summary>One registered task table: its assembly and the build (module version id) it came from.</summary>
[GenerateSerializer, Immutable, Alias("ParallelGen.TableBuild")]
internal sealed record TableBuild([property: Id(0)] string Assembly, [property: Id(1)] Guid Build);
