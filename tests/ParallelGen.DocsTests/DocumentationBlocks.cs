namespace ParallelGen.DocsTests;

/// <summary>The C# code blocks of the repository's user documentation: README.md and every docs/*.md.</summary>
public static class DocumentationBlocks
{
    private static readonly Lazy<IReadOnlyList<CodeBlock>> s_all = new(() =>
    [
        .. Directory.GetFiles(Repository.PathOf("docs"), "*.md").Order(StringComparer.Ordinal).Prepend(Repository.PathOf("README.md"))
            .SelectMany(path => CodeBlock.Parse(Path.GetRelativePath(Repository.Root, path).Replace('\\', '/'), File.ReadAllText(path))),
    ]);

    /// <summary>Every block, in file order.</summary>
    public static IReadOnlyList<CodeBlock> All => s_all.Value;
}
