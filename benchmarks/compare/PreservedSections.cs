namespace ParallelGen.Compare;

/// <summary>
/// The parts of docs/performance.md that other scripts write (the build-cost section, for one): every run of the
/// comparison keeps them verbatim, markers included, in their order.
/// </summary>
/// <remarks>
/// A preserved section starts at a line that is exactly <see cref="Begin"/> and ends at the next line that is exactly
/// <see cref="End"/> (surrounding spaces aside). Unbalanced markers are an error rather than a guess, so that a
/// regenerated file never drops text another script wrote.
/// </remarks>
internal static class PreservedSections
{
    /// <summary>The line that opens a preserved section.</summary>
    public const string Begin = "<!-- preserved:begin -->";

    /// <summary>The line that closes a preserved section.</summary>
    public const string End = "<!-- preserved:end -->";

    /// <summary>Every preserved section of <paramref name="document"/>, each from its begin line to its end line.</summary>
    /// <exception cref="FormatException">
    /// A begin marker without its end, an end without a begin, a begin inside a section, or another script's section
    /// (a line <c>&lt;!-- name:begin ... --&gt;</c>) outside a preserved one.
    /// </exception>
    public static IReadOnlyList<string> Extract(string document)
    {
        List<string> sections = [];
        string[] lines = document.Split('\n');
        int start = -1;
        for (int i = 0; i < lines.Length; i++)
        {
            string marker = lines[i].Trim();
            if (marker == Begin)
            {
                if (start >= 0)
                {
                    throw new FormatException($"Line {i + 1}: '{Begin}' inside the preserved section opened on line {start + 1}.");
                }

                start = i;
            }
            else if (start < 0 && OpensOtherSection(marker))
            {
                throw new FormatException($"Line {i + 1}: '{marker}' opens a section another script writes, outside '{Begin}' and '{End}': wrap it in those lines, or regenerating this file would drop it.");
            }
            else if (marker == End)
            {
                if (start < 0)
                {
                    throw new FormatException($"Line {i + 1}: '{End}' without a '{Begin}' before it.");
                }

                sections.Add(string.Join('\n', lines[start..(i + 1)]));
                start = -1;
            }
        }

        return start < 0 ? sections : throw new FormatException($"Line {start + 1}: '{Begin}' is never closed by '{End}'.");
    }

    /// <summary>A marker comment such as <c>&lt;!-- build-cost:begin --&gt;</c>: another script's section.</summary>
    private static bool OpensOtherSection(string line) =>
        line.StartsWith("<!--", StringComparison.Ordinal) && line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, string name, ..] && name.EndsWith(":begin", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="document"/> with <paramref name="sections"/> inserted, each followed by a blank line, before its
    /// first line that is exactly <paramref name="beforeLine"/> (or at its end if it has none).
    /// </summary>
    public static string Insert(string document, IReadOnlyList<string> sections, string beforeLine)
    {
        if (sections.Count == 0)
        {
            return document;
        }

        string text = string.Concat(sections.Select(s => s + "\n\n"));
        int at = document.StartsWith(beforeLine + "\n", StringComparison.Ordinal) ? 0
            : document.IndexOf("\n" + beforeLine + "\n", StringComparison.Ordinal) is int found and >= 0 ? found + 1
            : -1;
        return at >= 0 ? document.Insert(at, text) : document.TrimEnd('\n') + "\n\n" + text.TrimEnd('\n') + "\n";
    }
}
