using System.Text;
using Microsoft.CodeAnalysis;

namespace ParallelGen.DocsTests;

/// <summary>Whether a code block builds as the documentation says it does.</summary>
public static class BlockCheck
{
    /// <summary>
    /// Null if the block is right: a block without failure markers builds without any warning or error; a block
    /// with markers gets exactly the marked <c>PG</c> diagnostics on the marked lines, and any other error only on a
    /// marked line (the compiler's view of the same mistake). Otherwise, what is wrong, naming the file and line.
    /// </summary>
    public static async Task<string?> ProblemsAsync(CodeBlock block)
    {
        IReadOnlyList<Diagnostic> diagnostics = (await BlockCompiler.CompileAsync(block)).Diagnostics;
        IReadOnlyList<(string Id, int Line)> expected = block.ExpectedFailures;
        List<string> problems = [];
        if (expected.Count == 0)
        {
            problems.AddRange(diagnostics.Select(Describe));
        }
        else
        {
            HashSet<(string Id, int Line)> reported = [.. diagnostics.Where(d => d.Id.StartsWith("PG", StringComparison.Ordinal)).Select(d => (d.Id, LineOf(d)))];
            problems.AddRange(expected.Where(e => !reported.Contains(e)).Select(e => $"{block.File}({e.Line}): expected {e.Id} on this line, as its comment says; not reported"));
            problems.AddRange(diagnostics
                .Where(d => d.Id.StartsWith("PG", StringComparison.Ordinal) ? !expected.Contains((d.Id, LineOf(d))) : d.Severity != DiagnosticSeverity.Error || !expected.Any(e => e.Line == LineOf(d)))
                .Select(d => Describe(d) + "   (not marked in the block)"));
        }

        if (problems.Count == 0)
        {
            return null;
        }

        StringBuilder message = new();
        message.AppendLine($"The code block at {block} does not build as documented:");
        problems.ForEach(p => message.AppendLine("  " + p));
        message.AppendLine("Compiled as (tests/ParallelGen.DocsTests/README.md explains the wrapping and the prelude):");
        message.AppendLine(BlockCompiler.SourceOf(block));
        return message.ToString();
    }

    private static int LineOf(Diagnostic diagnostic) => diagnostic.Location.GetMappedLineSpan().StartLinePosition.Line + 1;

    private static string Describe(Diagnostic diagnostic)
    {
        FileLinePositionSpan span = diagnostic.Location.GetMappedLineSpan();
        string where = span.IsValid ? $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})" : "(no location)";
        return $"{where}: {diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
