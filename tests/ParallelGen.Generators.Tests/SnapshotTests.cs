using Microsoft.CodeAnalysis;

namespace ParallelGen.Generators.Tests;

/// <summary>The generated code for representative programs, compared with committed snapshots and compiled.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void Tasks_of_every_return_kind_and_the_pool_calls_that_use_them()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using ParallelGen;

            namespace Demo;

            public static class Work
            {
                [ProcessTask] public static int Square(int x) => x * x;
                [ProcessTask] public static long Add(int a, long b) => a + b;
                [ProcessTask] public static int Seed() => 42;
                [ProcessTask] public static void Log(string message) { }
                [ProcessTask] public static Task<string> FetchAsync(string url, CancellationToken cancellationToken) => Task.FromResult(url);
                [ProcessTask] public static ValueTask<int> CountAsync(List<string> lines) => new(lines.Count);
                [ProcessTask] public static Task FlushAsync() => Task.CompletedTask;
                [ProcessTask(MaxRetries = 3)] internal static (int Min, int Max) Range(int[] values) => (values[0], values[^1]);
                [ProcessTask] public static int? Find(int?[] values, (int? Low, long High) bounds) => values[0];
            }

            public static class Program
            {
                public static async Task Run(ProcessPool pool, int[] data)
                {
                    int[] squares = pool.Map(Work.Square, data);
                    squares = pool.Map(Work.Square, data, chunkSize: 16);
                    squares = await pool.MapAsync(Work.Square, data);
                    long[] sums = pool.Starmap(Work.Add, new[] { (1, 2L), (3, 4L) });
                    long one = pool.Apply(Work.Add, 1, 2L);
                    int seed = pool.Apply(Work.Seed);
                    pool.Apply(Work.Log, "hello");
                    AsyncResult<string> page = pool.ApplyAsync(Work.FetchAsync, "https://example.org", callback: s => { });
                    await pool.ApplyAsync(Work.FlushAsync);
                    int count = await pool.ApplyAsync(Work.CountAsync, new List<string>());
                    (int, int) range = pool.Apply(Work.Range, data);
                    int? found = pool.Apply(Work.Find, new int?[] { 1, null }, ((int?)null, 5L));
                    foreach (int square in pool.Imap(Work.Square, data, chunkSize: 8, progress: new System.Progress<PoolProgress>()))
                    {
                    }

                    await foreach (int square in pool.ImapAsync(Work.Square, data, cancellationToken: CancellationToken.None))
                    {
                    }
                }
            }
            """;

        (GeneratorRunResult result, Compilation output) = TestCompilation.Run(TestCompilation.Create(source));

        TestCompilation.AssertClean(output);
        SnapshotVerifier.Verify(result);
    }

    [Fact]
    public void Nested_types_the_global_namespace_overloads_and_records()
    {
        const string source = """
            using MemoryPack;
            using ParallelGen;

            public static class Outer
            {
                internal static class Inner
                {
                    [ProcessTask] internal static int Twice(int x) => 2 * x;
                    [ProcessTask] internal static double Twice(double x) => 2 * x;
                }
            }

            [MemoryPackable]
            public partial record Order(int Id, string Customer);

            public static class Orders
            {
                [ProcessTask] public static Order Renumber(Order order, int id) => order with { Id = id };
            }
            """;

        (GeneratorRunResult result, _) = TestCompilation.Run(TestCompilation.Create(source));

        // MemoryPack's own generator is not part of this compilation, so only the ParallelGen output is checked here.
        Assert.Empty(result.Diagnostics);
        SnapshotVerifier.Verify(result);
    }

    [Fact]
    public void An_executable_registers_the_tables_of_its_references_and_enters_the_worker_loop()
    {
        const string library = """
            namespace Lib;
            public static class Math2
            {
                [ParallelGen.ProcessTask] public static int Cube(int x) => x * x * x;
            }
            """;
        Compilation libraryOutput = TestCompilation.Run(TestCompilation.Create(library, assemblyName: "Lib")).Output;
        TestCompilation.AssertClean(libraryOutput);

        const string app = """
            using ParallelGen;
            using var pool = new ProcessPool(2);
            System.Console.WriteLine(pool.Map(Lib.Math2.Cube, new[] { 1, 2, 3 })[2]);
            """;
        Compilation appCompilation = TestCompilation.Create(app, OutputKind.ConsoleApplication, "App")
            .AddReferences(libraryOutput.ToMetadataReference());

        (GeneratorRunResult result, Compilation output) = TestCompilation.Run(appCompilation);

        TestCompilation.AssertClean(output);
        SnapshotVerifier.Verify(result);
    }

    [Fact]
    public void Static_calls_WorkerProcess_Start_and_PoolInitializer_Create_and_shared_objects()
    {
        const string source = """
            using ParallelGen;

            namespace Demo;

            public static class Jobs
            {
                [ProcessTask] public static void Download(string url, ProcessQueue<string> done) => done.Put(url);
                [ProcessTask] public static void Setup(string database) { }
                [ProcessTask] public static int Fill(SharedArray<float> pixels, float value) => pixels.Length;

                public static void Run(ProcessQueue<string> done)
                {
                    WorkerProcess process = WorkerProcess.Start(Download, "https://example.org", done, options: new WorkerProcessOptions { Daemon = true });
                    PoolInitializer initializer = PoolInitializer.Create(Setup, "app.db");
                    using ProcessPool pool = new(new ProcessPoolOptions { Initializer = initializer });
                    using SharedArray<float> pixels = new(16);
                    pool.Apply(Fill, pixels, 1f);
                    process.Join();
                }
            }
            """;

        (GeneratorRunResult result, Compilation output) = TestCompilation.Run(TestCompilation.Create(source));

        TestCompilation.AssertClean(output);
        SnapshotVerifier.Verify(result);
    }
}
