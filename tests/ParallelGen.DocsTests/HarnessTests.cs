namespace ParallelGen.DocsTests;

/// <summary>The code-block check itself: it finds blocks, fails where it must, and names the file and line.</summary>
public sealed class HarnessTests
{
    [Fact]
    public void Blocks_are_found_by_language_with_the_line_of_their_first_code_line()
    {
        const string markdown = """
            # Title

            ```csharp
            int a = 1;
            ```

            ```bash
            echo not C#
            ```

            ~~~cs
            int b = 2;
            ~~~

            ````c#
            ```
            int c = 3;
            ````
            """;

        CodeBlock[] blocks = [.. CodeBlock.Parse("docs/example.md", markdown)];

        Assert.Equal(["docs/example.md:4", "docs/example.md:12", "docs/example.md:16"], blocks.Select(b => b.ToString()));
        Assert.Equal("int a = 1;", blocks[0].Code);
        Assert.Equal("```\nint c = 3;", blocks[2].Code);
    }

    [Fact]
    public void An_unclosed_fence_is_an_error_naming_its_line()
    {
        FormatException error = Assert.Throws<FormatException>(() => CodeBlock.Parse("docs/example.md", "text\n```csharp\nint a = 1;\n").ToList());
        Assert.Contains("docs/example.md:2", error.Message);
    }

    [Fact]
    public async Task A_block_that_does_not_compile_is_reported_at_its_file_and_line()
    {
        string? problems = await BlockCheck.ProblemsAsync(new CodeBlock("docs/example.md", 40, "int x = 1;\nstring text = x;"));

        Assert.NotNull(problems);
        Assert.Contains("docs/example.md(41,15): error CS0029", problems);
    }

    [Fact]
    public async Task A_warning_fails_the_block_too()
    {
        string? problems = await BlockCheck.ProblemsAsync(new CodeBlock("docs/example.md", 1, "int x;"));

        Assert.NotNull(problems);
        Assert.Contains("docs/example.md(1,5): warning CS0168", problems);
    }

    [Fact]
    public async Task A_block_marked_as_failing_that_compiles_is_reported()
    {
        string? problems = await BlockCheck.ProblemsAsync(new CodeBlock("docs/example.md", 7, "int[] squares = pool.Map(Square, data); // PG0100"));

        Assert.NotNull(problems);
        Assert.Contains("docs/example.md(7): expected PG0100", problems);
    }

    [Fact]
    public async Task A_block_that_fails_with_another_id_than_marked_is_reported()
    {
        string? problems = await BlockCheck.ProblemsAsync(new CodeBlock("docs/example.md", 7, "int[] squares = pool.Map(x => x * x, data); // PG0103"));

        Assert.NotNull(problems);
        Assert.Contains("expected PG0103", problems);
        Assert.Contains("error PG0100", problems);
    }

    [Fact]
    public async Task A_marked_failure_on_another_line_than_marked_is_reported()
    {
        string? problems = await BlockCheck.ProblemsAsync(new CodeBlock("docs/example.md", 1, "// PG0100\nint[] squares = pool.Map(x => x * x, data);"));

        Assert.NotNull(problems);
        Assert.Contains("docs/example.md(1): expected PG0100", problems);
        Assert.Contains("docs/example.md(2,26): error PG0100", problems);
    }

    [Fact]
    public async Task A_block_failing_exactly_as_marked_passes()
    {
        Assert.Null(await BlockCheck.ProblemsAsync(new CodeBlock("docs/example.md", 1, "static int Twice(int x) => 2 * x;\nint[] doubled = pool.Map(Twice, data); // PG0101")));
    }

    [Fact]
    public async Task A_method_the_block_declares_comes_before_the_preludes_method_of_the_same_name()
    {
        // Without [ProcessTask] the block's own Square is not a task: PG0103 proves it, and not the prelude's Square, was passed.
        Assert.Null(await BlockCheck.ProblemsAsync(new CodeBlock("docs/example.md", 1, "public static int Square(int x) => x * x;\nint[] squares = pool.Map(Square, data); // PG0103")));
    }

    [Fact]
    public async Task Both_generators_run_on_a_block()
    {
        const string code = """
            using MemoryPack;

            Order[] renumbered = pool.Map(Orders.Renumber, new[] { new Order(1) });

            [MemoryPackable] public sealed partial record Order(int Id);

            public static class Orders
            {
                [ProcessTask] public static Order Renumber(Order order) => order with { Id = order.Id + 1 };
            }
            """;

        BlockBuild build = await BlockCompiler.CompileAsync(new CodeBlock("docs/example.md", 1, code));

        Assert.Empty(build.Diagnostics);
        Assert.Contains("ParallelGen.Interceptors.g.cs", build.GeneratedFiles);
        Assert.Contains("Orders.ProcessTasks.g.cs", build.GeneratedFiles);
        Assert.Contains(build.GeneratedFiles, f => f.Contains("Order.MemoryPackFormatter", StringComparison.Ordinal));
    }
}
