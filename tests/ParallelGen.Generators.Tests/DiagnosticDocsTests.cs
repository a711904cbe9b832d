using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using ParallelGen.Generators.Diagnostics;

namespace ParallelGen.Generators.Tests;

/// <summary>Every diagnostic id is unique, documented in docs/diagnostics.md, tracked in the release files, and reported by an analyzer.</summary>
public sealed partial class DiagnosticDocsTests
{
    private static readonly DiagnosticDescriptor[] s_descriptors =
    [
        .. typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!),
    ];

    [Fact]
    public void Ids_are_unique_and_well_formed()
    {
        Assert.Equal(s_descriptors.Length, s_descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(s_descriptors, d => Assert.Matches("^PG[0-9]{4}$", d.Id));
        Assert.All(s_descriptors, d => Assert.EndsWith("#" + d.Id.ToLowerInvariant(), d.HelpLinkUri));
    }

    [Fact]
    public void Every_id_has_exactly_one_documented_entry_with_examples()
    {
        string docs = File.ReadAllText(Repository.PathOf("docs", "diagnostics.md"));
        string[] headings = [.. HeadingPattern().Matches(docs).Select(m => m.Groups[1].Value)];

        Assert.Equal(headings.Length, headings.Distinct().Count());
        Assert.Equal(s_descriptors.Select(d => d.Id).Order(), headings.Order());
        foreach (string id in headings)
        {
            string section = docs[docs.IndexOf($"## {id}", StringComparison.Ordinal)..];
            int next = section.IndexOf("\n## ", 3, StringComparison.Ordinal);
            section = next < 0 ? section : section[..next];
            Assert.Contains("Cause", section);
            Assert.Contains("Fix", section);
            Assert.True(Regex.Matches(section, "```csharp").Count >= 2, $"{id} needs a failing and a fixed example");
        }
    }

    [Fact]
    public void Every_id_is_tracked_in_the_release_files_and_supported_by_an_analyzer()
    {
        string releases = File.ReadAllText(Repository.PathOf("generators", "ParallelGen.Generators", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Repository.PathOf("generators", "ParallelGen.Generators", "AnalyzerReleases.Shipped.md"));
        string[] supported = [.. new TaskDeclarationAnalyzer().SupportedDiagnostics.Concat(new CallSiteAnalyzer().SupportedDiagnostics).Select(d => d.Id)];
        Assert.All(s_descriptors, d =>
        {
            Assert.Contains(d.Id + " ", releases);
            Assert.Contains(d.Id, supported);
        });
    }

    [GeneratedRegex("^## (PG[0-9]{4})", RegexOptions.Multiline)]
    private static partial Regex HeadingPattern();
}
