using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ParallelGen.Generators.Tests;

/// <summary>Generated code never warns, whatever the nullable context of the project, the tasks and the call sites (users build with TreatWarningsAsErrors).</summary>
public sealed class NullableContextTests
{
    private const string Tasks = """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using ParallelGen;

        namespace Demo;

        public static class Work
        {
            [ProcessTask] public static string? Find(string? key, List<string?> items) => key;
            [ProcessTask] public static string Upper(string text) => text.ToUpperInvariant();
            [ProcessTask] public static List<string> Split(string text) => new(text.Split(' '));
            [ProcessTask] public static Task<string?> FindAsync(string? key) => Task.FromResult(key);
            [ProcessTask] public static (string?, int) Pair(string? text, int n) => (text, n);
        }
        """;

    private const string Calls = """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using ParallelGen;

        namespace Demo;

        public static class Program
        {
            public static async Task Run(ProcessPool pool, string key, string maybe, List<string> list, string[] texts)
            {
                string found = pool.Apply(Work.Find, key, list);
                string upper = pool.Apply(Work.Upper, maybe);
                string[] uppers = pool.Map(Work.Upper, texts);
                List<string> words = pool.Apply(Work.Split, "a b");
                string asyncFound = await pool.ApplyAsync(Work.FindAsync, key);
                (string, int) pair = pool.Apply(Work.Pair, key, 1);
                string[] founds = pool.Starmap(Work.Find, new[] { (key, list) });
            }
        }
        """;

    public static TheoryData<string, string, string> Contexts => new()
    {
        { "project disabled, tasks enabled, calls oblivious", "#nullable enable\n", "" },
        { "project disabled, tasks oblivious, calls enabled", "", "#nullable enable\n" },
        { "project enabled, tasks disabled, calls enabled", "#nullable disable\n", "" },
        { "project enabled, tasks enabled, calls disabled", "", "#nullable disable\n" },
    };

    [Theory]
    [MemberData(nameof(Contexts))]
    public void Generated_code_has_no_warnings_in_mixed_nullable_contexts(string description, string tasksDirective, string callsDirective)
    {
        NullableContextOptions project = description.StartsWith("project enabled", StringComparison.Ordinal) ? NullableContextOptions.Enable : NullableContextOptions.Disable;
        CSharpCompilation compilation = TestCompilation.Create([tasksDirective + Tasks, callsDirective + Calls])
            .WithOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: project));

        (_, Compilation output) = TestCompilation.Run(compilation);

        Diagnostic[] generated = [.. output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true)];
        Assert.True(generated.Length == 0, description + ":\n" + string.Join("\n", generated.Select(d => d.ToString())));
    }
}
