using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/ParallelGen.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(ParallelGen.Benchmarks.PoolStartBenchmarks).Assembly).Run(args);
