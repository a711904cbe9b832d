using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ParallelGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ParallelGen.Generators.Tests;

/// <summary>The generator in an IDE: cached on unrelated edits, models free of symbols, no exceptions on broken code.</summary>
public sealed class IncrementalityTests
{
    private const string Tasks = """
        namespace Demo;
        public static class Work
        {
            [ParallelGen.ProcessTask] public static int Square(int x) => x * x;
            [ParallelGen.ProcessTask] public static long Add(int a, long b) => a + b;
        }
        """;

    private const string Calls = """
        namespace Demo;
        public static class Program
        {
            public static int[] Run(ParallelGen.ProcessPool pool, int[] data) => pool.Map(Work.Square, data);
        }
        """;

    private static readonly string[] s_trackedSteps =
        [TrackingNames.TaskModels, TrackingNames.TasksByType, TrackingNames.CallSiteModels, TrackingNames.Assembly];

    [Fact]
    public void Tracked_steps_are_cached_when_nothing_or_something_unrelated_changes()
    {
        Compilation compilation = TestCompilation.Create([Tasks, Calls, "namespace Demo; public static class Other { public static int X => 1; }"]);
        GeneratorDriver driver = TestCompilation.Driver().RunGenerators(compilation);

        GeneratorRunResult again = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
        AssertAllCached(again);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        SyntaxTree edited = other.WithChangedText(SourceText.From("namespace Demo; public static class Other { public static int X => 2; public static int Y => 3; }"));
        GeneratorRunResult afterEdit = driver.RunGenerators(compilation.ReplaceSyntaxTree(other, edited)).GetRunResult().Results.Single();
        AssertAllCached(afterEdit);
    }

    [Fact]
    public void Editing_a_task_reruns_only_what_depends_on_it()
    {
        Compilation compilation = TestCompilation.Create([Tasks, Calls]);
        GeneratorDriver driver = TestCompilation.Driver().RunGenerators(compilation);

        SyntaxTree tasks = compilation.SyntaxTrees.First();
        SyntaxTree edited = tasks.WithChangedText(SourceText.From(Tasks.Replace("x * x", "x * x + 0")));
        GeneratorRunResult result = driver.RunGenerators(compilation.ReplaceSyntaxTree(tasks, edited)).GetRunResult().Results.Single();

        // The method body changed but not its signature: the models are equal, so nothing downstream re-runs.
        Assert.All(result.TrackedSteps[TrackingNames.TaskModels].SelectMany(step => step.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, output.Reason.ToString()));
    }

    [Fact]
    public void Models_hold_no_symbols_syntax_or_compilations()
    {
        Compilation compilation = TestCompilation.Create([Tasks, Calls]);
        GeneratorRunResult result = TestCompilation.Driver().RunGenerators(compilation).GetRunResult().Results.Single();

        foreach (string step in s_trackedSteps)
        {
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                foreach ((object value, IncrementalStepRunReason _) in run.Outputs)
                {
                    AssertPlainData(value, $"{step} output", []);
                }
            }
        }
    }

    [Fact]
    public async Task Half_typed_code_never_throws()
    {
        string[] broken =
        [
            "public static class Work { [ParallelGen.ProcessTask] public static int Square(int x",
            "public static class Work { [ParallelGen.ProcessTask] public static int Square(int x) => x * x; } class P { void M(ParallelGen.ProcessPool pool) { pool.Map(Work.Square, ",
            "public static class Work { [ParallelGen.ProcessTask] public static Missing Square(Unknown x) => x; }",
            "class P { void M(ParallelGen.ProcessPool pool) { pool.Apply(Nope.Nothing, 1, ); } }",
            "[ParallelGen.ProcessTask] int Orphan(int x) => x;",
        ];

        foreach (string source in broken)
        {
            CSharpCompilation compilation = CSharpCompilation.Create("Broken", [CSharpSyntaxTree.ParseText(source, TestCompilation.ParseOptions)], TestCompilation.References);
            GeneratorRunResult result = TestCompilation.Driver().RunGenerators(compilation).GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "CS8785"); // "Generator failed to generate source"

            // The analyzers see the same half-typed code as the IDE does on every keystroke.
            List<Exception> thrown = [];
            CompilationWithAnalyzersOptions options = new(
                new AnalyzerOptions([]), onAnalyzerException: (e, _, _) => thrown.Add(e), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
            ImmutableArray<Diagnostic> analyzed = await compilation
                .WithAnalyzers([new TaskDeclarationAnalyzer(), new CallSiteAnalyzer()], options)
                .GetAnalyzerDiagnosticsAsync();
            Assert.Empty(thrown);
            Assert.DoesNotContain(analyzed, d => d.Id == "AD0001");
        }
    }

    private static void AssertAllCached(GeneratorRunResult result)
    {
        foreach (string step in s_trackedSteps)
        {
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                Assert.All(run.Outputs, output =>
                    Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}"));
            }
        }
    }

    private static void AssertPlainData(object? value, string path, HashSet<object> seen)
    {
        if (value is null or string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or SyntaxTree or SemanticModel or Compilation or Location, $"{path} holds a {value.GetType().Name}");
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertPlainData(item, $"{path}[{i++}]", seen);
            }
        }

        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertPlainData(field.GetValue(value), $"{path}.{field.Name}", seen);
        }
    }
}
