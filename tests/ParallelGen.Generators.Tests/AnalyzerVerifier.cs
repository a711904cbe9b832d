using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using ParallelGen.Generators.Diagnostics;

namespace ParallelGen.Generators.Tests;

/// <summary>
/// Runs the generator (and MemoryPack's) together with both analyzers on test code with span markup such as <c>{|PG0100:x => x|}</c>,
/// and asserts that exactly the marked diagnostics appear, with their ids and spans.
/// </summary>
internal static class AnalyzerVerifier
{
    public static Task VerifyAsync(string source, bool ignoreCompilerErrors = false, IEnumerable<MetadataReference>? additionalReferences = null)
    {
        Test test = new()
        {
            TestCode = source,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
            CompilerDiagnostics = ignoreCompilerErrors ? CompilerDiagnostics.None : CompilerDiagnostics.Errors,
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        test.TestState.AdditionalReferences.AddRange(TestCompilation.References);
        test.TestState.AdditionalReferences.AddRange(additionalReferences ?? []);
        return test.RunAsync();
    }

    private sealed class Test : CSharpSourceGeneratorTest<ProcessTaskGenerator, DefaultVerifier>
    {
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => [new TaskDeclarationAnalyzer(), new CallSiteAnalyzer()];

        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(ProcessTaskGenerator), TestCompilation.MemoryPackGenerator.Value];

        protected override ParseOptions CreateParseOptions() => TestCompilation.ParseOptions;

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
    }
}
