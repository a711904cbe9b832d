using ParallelGen.Compare;

namespace ParallelGen.DocsTests;

/// <summary>docs/performance.md keeps, through every run of benchmarks/compare, the sections other scripts write.</summary>
public sealed class PreservedSectionsTests
{
    private const string Written = """
        # Performance

        old tables
        <!-- preserved:begin -->
        ## Build cost

        | Step | Time |
        |------|------|
        | build | 12 s |  
        <!-- preserved:end -->

        ## Notes
          <!-- preserved:begin -->
        second, indented markers
          <!-- preserved:end -->
        """;

    [Fact]
    public void Sections_are_extracted_verbatim_with_their_markers_in_order()
    {
        IReadOnlyList<string> sections = PreservedSections.Extract(Written);

        Assert.Equal(2, sections.Count);
        Assert.Equal("<!-- preserved:begin -->\n## Build cost\n\n| Step | Time |\n|------|------|\n| build | 12 s |  \n<!-- preserved:end -->", sections[0]);
        Assert.Equal("  <!-- preserved:begin -->\nsecond, indented markers\n  <!-- preserved:end -->", sections[1]);
    }

    [Fact]
    public void A_regenerated_document_gets_them_back_before_the_notes()
    {
        IReadOnlyList<string> sections = PreservedSections.Extract(Written);
        string regenerated = PreservedSections.Insert("# Performance\n\nnew tables\n\n## Notes\n\n- a note\n", sections, "## Notes");

        Assert.Equal(sections, PreservedSections.Extract(regenerated));
        Assert.StartsWith("# Performance\n\nnew tables\n\n<!-- preserved:begin -->\n## Build cost", regenerated, StringComparison.Ordinal);
        Assert.EndsWith("  <!-- preserved:end -->\n\n## Notes\n\n- a note\n", regenerated, StringComparison.Ordinal);
        Assert.Equal(regenerated, PreservedSections.Insert(regenerated.Replace(sections[0] + "\n\n", "", StringComparison.Ordinal).Replace(sections[1] + "\n\n", "", StringComparison.Ordinal), sections, "## Notes"));
    }

    [Fact]
    public void Without_the_heading_they_go_at_the_end_and_without_sections_nothing_changes()
    {
        Assert.Equal("# P\n\n<!-- preserved:begin -->\nx\n<!-- preserved:end -->\n", PreservedSections.Insert("# P\n", ["<!-- preserved:begin -->\nx\n<!-- preserved:end -->"], "## Notes"));
        Assert.Equal("# P\n", PreservedSections.Insert("# P\n", [], "## Notes"));
    }

    [Theory]
    [InlineData("a\n<!-- preserved:begin -->\nb\n", 2)]
    [InlineData("a\n<!-- preserved:end -->\n", 2)]
    [InlineData("<!-- preserved:begin -->\n<!-- preserved:begin -->\n<!-- preserved:end -->\n", 2)]
    public void Unbalanced_markers_are_an_error_naming_the_line(string document, int line)
    {
        FormatException error = Assert.Throws<FormatException>(() => PreservedSections.Extract(document));
        Assert.StartsWith($"Line {line}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_scripts_section_outside_preserved_markers_is_an_error_not_dropped_text()
    {
        const string unwrapped = "# P\n<!-- build-cost:begin (written by run.py) -->\n## Build cost\n<!-- build-cost:end -->\n";
        const string wrapped = "# P\n<!-- preserved:begin -->\n<!-- build-cost:begin (written by run.py) -->\n## Build cost\n<!-- build-cost:end -->\n<!-- preserved:end -->\n";

        FormatException error = Assert.Throws<FormatException>(() => PreservedSections.Extract(unwrapped));
        Assert.StartsWith("Line 2: '<!-- build-cost:begin", error.Message, StringComparison.Ordinal);
        Assert.Equal([wrapped[4..^1]], PreservedSections.Extract(wrapped));
    }

    [Fact]
    public void The_performance_page_says_how_it_is_made_and_what_it_keeps()
    {
        string page = File.ReadAllText(Repository.PathOf("docs", "performance.md"));

        Assert.Contains("`<!-- preserved:begin -->`", page);
        PreservedSections.Extract(page);
    }
}
