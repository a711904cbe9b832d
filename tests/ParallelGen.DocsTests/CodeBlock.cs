using System.Text.RegularExpressions;

namespace ParallelGen.DocsTests;

/// <summary>A fenced C# code block of a Markdown file.</summary>
/// <param name="File">The Markdown file, relative to the repository root, with forward slashes.</param>
/// <param name="Line">The 1-based line of the block's first code line (the one after the opening fence).</param>
/// <param name="Code">The block's text, without the fences.</param>
public sealed partial record CodeBlock(string File, int Line, string Code)
{
    /// <summary>
    /// The diagnostics the block documents as failing: a line that ends in a comment naming an id, such as
    /// <c>pool.Map(x =&gt; x * x, data); // PG0100</c>, must get exactly that diagnostic, and only marked lines may.
    /// </summary>
    public IReadOnlyList<(string Id, int Line)> ExpectedFailures =>
    [
        .. Code.Split('\n')
            .Select((text, i) => (Match: FailureMarker().Match(text), Line: Line + i))
            .Where(x => x.Match.Success)
            .Select(x => (x.Match.Groups[1].Value, x.Line)),
    ];

    /// <summary>Where the block starts, as <c>docs/pool.md:12</c>: test names and failure messages use it.</summary>
    public override string ToString() => $"{File}:{Line}";

    /// <summary>Every C# block (fence info <c>csharp</c>, <c>cs</c> or <c>c#</c>) of <paramref name="markdown"/>.</summary>
    /// <exception cref="FormatException">A fence is never closed.</exception>
    public static IEnumerable<CodeBlock> Parse(string file, string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            string fence = open.Groups["fence"].Value;
            int close = Array.FindIndex(lines, i + 1, l => l.TrimStart().StartsWith(fence, StringComparison.Ordinal) && l.Trim().TrimStart(fence[0]).Length == 0);
            if (close < 0)
            {
                throw new FormatException($"{file}:{i + 1}: the code fence is never closed.");
            }

            string language = open.Groups["info"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            if (language is "csharp" or "cs" or "c#")
            {
                string indent = open.Groups["indent"].Value;
                yield return new CodeBlock(file, i + 2, string.Join('\n', lines[(i + 1)..close].Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l.TrimStart())));
            }

            i = close;
        }
    }

    [GeneratedRegex(@"^(?<indent> {0,3})(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"//\s*(PG[0-9]{4})\b[^/]*$")]
    private static partial Regex FailureMarker();
}
