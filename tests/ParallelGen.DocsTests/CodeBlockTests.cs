namespace ParallelGen.DocsTests;

/// <summary>Every C# code block of README.md and docs/*.md builds, or fails exactly as it says it does.</summary>
public sealed class CodeBlockTests
{
    /// <summary>Every block, by file and line.</summary>
    public static TheoryData<string, int> Blocks()
    {
        TheoryData<string, int> blocks = [];
        foreach (CodeBlock block in DocumentationBlocks.All)
        {
            blocks.Add(block.File, block.Line);
        }

        return blocks;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task Block_builds_as_documented(string file, int line)
    {
        CodeBlock block = DocumentationBlocks.All.Single(b => b.File == file && b.Line == line);
        string? problems = await BlockCheck.ProblemsAsync(block);
        Assert.True(problems is null, problems);
    }
}
