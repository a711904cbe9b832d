using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;

namespace ParallelGen.Benchmarks;

/// <summary>A short job for benchmarks that start processes or move much data: few, long iterations, no unrolling.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ShortProcessJobAttribute : Attribute, IConfigSource
{
    public ShortProcessJobAttribute() =>
        Config = ManualConfig.CreateEmpty().AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(8));

    public IConfig Config { get; }
}
