using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ParallelGen.DocsTests;

/// <summary>
/// Compiles a code block as a user's build would: against the runtime and MemoryPack, with every generator and
/// analyzer the ParallelGen package ships, plus MemoryPack's generator, and emits it (to memory).
/// </summary>
public static class BlockCompiler
{
    /// <summary>
    /// The parse options of a net10.0 project that references the package: the SDK's preprocessor symbols (MemoryPack's
    /// generator writes different code for .NET 7 and later), and the interceptors namespace the package's targets add.
    /// </summary>
    public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(
            LanguageVersion.Latest,
            preprocessorSymbols:
            [
                "TRACE", "RELEASE", "NET", "NET10_0", "NETCOREAPP",
                .. new[] { "1_0", "1_1", "2_0", "2_1", "2_2", "3_0", "3_1" }.Select(v => $"NETCOREAPP{v}_OR_GREATER"),
                .. Enumerable.Range(5, 6).Select(v => $"NET{v}_0_OR_GREATER"),
            ])
        .WithFeatures([new("InterceptorsNamespaces", "ParallelGen.Generated")]);

    /// <summary>As the SDK compiles: nullable on, and its default <c>NoWarn</c> (CS1701, CS1702: assembly unification).</summary>
    private static readonly CSharpCompilationOptions s_options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
        .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]);

    private static readonly string s_preludeFolder = Path.Combine(AppContext.BaseDirectory, "Prelude");

    /// <summary>
    /// The framework's assemblies plus ParallelGen and MemoryPack, as the generator tests compile against, and the
    /// extension packages (ParallelGen.Orleans, copied to extensions/ by the project), as a user's app that references
    /// such a package sees them.
    /// </summary>
    private static readonly ImmutableArray<MetadataReference> s_frameworkAndRuntime =
    [
        .. ParallelGen.Generators.Tests.TestCompilation.References,
        .. Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "extensions"), "*.dll")
            .Order(StringComparer.Ordinal)
            .Select(path => MetadataReference.CreateFromFile(path)),
    ];

    /// <summary>Prelude/Shared.cs, compiled without any generator (see docs/diagnostics.md, PG0107).</summary>
    private static readonly Lazy<MetadataReference> s_shared = new(() =>
    {
        CSharpCompilation shared = CSharpCompilation.Create(
            "Shared",
            [CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(s_preludeFolder, "Shared.cs")), ParseOptions, "Prelude/Shared.cs")],
            s_frameworkAndRuntime,
            s_options);
        return shared.ToMetadataReference();
    });

    private static readonly Lazy<SyntaxTree> s_prelude = new(() => ParsePrelude("Prelude.cs"));

    /// <summary>The prelude's tasks: never compiled as they are, but merged into each block's class (see <see cref="BlockSource"/>).</summary>
    private static readonly Lazy<SyntaxTree> s_preludeTasks = new(() => ParsePrelude("Tasks.cs"));

    private static readonly Assembly s_parallelGen = typeof(ParallelGen.Generators.ProcessTaskGenerator).Assembly;

    private static readonly Assembly s_memoryPack = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "analyzers", "MemoryPack.Generator.dll"));

    /// <summary>Every analyzer in the ParallelGen generator assembly, as the compiler loads them from the package.</summary>
    private static readonly ImmutableArray<DiagnosticAnalyzer> s_analyzers =
    [
        .. s_parallelGen.GetTypes()
            .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(DiagnosticAnalyzer)) && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any())
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    private static readonly ImmutableArray<ISourceGenerator> s_generators =
        [.. new[] { s_parallelGen, s_memoryPack }.SelectMany(Generators)];

    /// <summary>The block's source, as compiled; failure messages show it.</summary>
    public static string SourceOf(CodeBlock block) => BlockSource.Create(block, ParseOptions, s_preludeTasks.Value);

    /// <summary>Builds the block: every warning and error (compiler, generators, analyzers, emit) and the generated files.</summary>
    public static async Task<BlockBuild> CompileAsync(CodeBlock block)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            "DocBlock",
            [s_prelude.Value, CSharpSyntaxTree.ParseText(SourceOf(block), ParseOptions, path: "DocBlock.cs")],
            [.. s_frameworkAndRuntime, s_shared.Value],
            s_options);

        GeneratorDriver driver = CSharpGeneratorDriver.Create(s_generators, parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        ImmutableArray<Diagnostic> analyzed = await output.WithAnalyzers(s_analyzers).GetAllDiagnosticsAsync();
        using MemoryStream assembly = new();
        ImmutableArray<Diagnostic> emitted = output.Emit(assembly).Diagnostics;

        return new BlockBuild(
            [
                .. generatorDiagnostics.Concat(analyzed).Concat(emitted)
                    .Where(d => d.Severity >= DiagnosticSeverity.Warning)
                    .DistinctBy(d => d.ToString())
                    .OrderBy(d => d.Location.GetMappedLineSpan().StartLinePosition.Line),
            ],
            [.. driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).Select(s => s.HintName).Order(StringComparer.Ordinal)]);
    }

    private static SyntaxTree ParsePrelude(string name) =>
        CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(s_preludeFolder, name)), ParseOptions, $"tests/ParallelGen.DocsTests/Prelude/{name}");

    private static IEnumerable<ISourceGenerator> Generators(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttributes<GeneratorAttribute>().Any())
            .Select(t => Activator.CreateInstance(t) switch
            {
                IIncrementalGenerator incremental => incremental.AsSourceGenerator(),
                ISourceGenerator generator => generator,
                _ => throw new InvalidOperationException($"{t} is marked [Generator] but is not a generator."),
            });
}
