using Microsoft.CodeAnalysis;

namespace ParallelGen.DocsTests;

/// <summary>What building one code block gave.</summary>
/// <param name="Diagnostics">Every warning and error, in line order.</param>
/// <param name="GeneratedFiles">The hint names of the files the generators added.</param>
public sealed record BlockBuild(IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> GeneratedFiles);
