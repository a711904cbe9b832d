using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ParallelGen.Generators;

namespace ParallelGen.Generators.Tests;

/// <summary>Builds test compilations from the running runtime's assemblies (no reference packs downloaded) and runs the generator.</summary>
internal static class TestCompilation
{
    public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest)
        .WithFeatures([new("InterceptorsNamespaces", "ParallelGen.Generated")])
        .WithPreprocessorSymbols((string[])["NET", "NET10_0", .. Enumerable.Range(5, 6).Select(v => $"NET{v}_0_OR_GREATER")]); // as the SDK defines them

    /// <summary>The framework's assemblies plus ParallelGen and MemoryPack.</summary>
    public static readonly ImmutableArray<MetadataReference> References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll"))
            .Select(path => MetadataReference.CreateFromFile(path)),
        MetadataReference.CreateFromFile(typeof(ProcessPool).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(MemoryPack.MemoryPackSerializer).Assembly.Location),
    ];

    /// <summary>
    /// MemoryPack's own source generator, from the package the tests restore, so that diagnostics tests see what a user's
    /// build sees: <c>[MemoryPackable]</c> types implemented, or MemoryPack's errors, next to ParallelGen's.
    /// </summary>
    public static readonly Lazy<Type> MemoryPackGenerator = new(() =>
    {
        Version version = typeof(MemoryPack.MemoryPackSerializer).Assembly.GetName().Version!;
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(root, "memorypack.generator", version.ToString(3), "analyzers", "dotnet", "cs", "MemoryPack.Generator.dll");
        Assert.True(File.Exists(path), $"MemoryPack's generator was not found at {path}");
        return System.Reflection.Assembly.LoadFrom(path).GetTypes().Single(t => t.Name == "MemoryPackGenerator" && typeof(IIncrementalGenerator).IsAssignableFrom(t));
    });

    public static CSharpCompilation Create(string source, OutputKind kind = OutputKind.DynamicallyLinkedLibrary, string assemblyName = "Demo") =>
        Create([source], kind, assemblyName);

    public static CSharpCompilation Create(IEnumerable<string> sources, OutputKind kind = OutputKind.DynamicallyLinkedLibrary, string assemblyName = "Demo") =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: $"File{i}.cs")),
            References,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>Creates a driver that records every tracked step, for caching tests.</summary>
    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new ProcessTaskGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator and returns its result and the compilation with the generated code.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(Compilation compilation)
    {
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>Asserts that <paramref name="compilation"/> has no errors or warnings.</summary>
    public static void AssertClean(Compilation compilation)
    {
        Diagnostic[] problems = [.. compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];
        Assert.True(problems.Length == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems.Select(d => d.ToString())));
    }
}
