namespace ParallelGen.DocsTests;

/// <summary>
/// What docs/pool.md and docs/from-python.md say the compiler does with the pool's results. If a design change makes
/// one of these fail (say, an analyzer that suppresses CS4014 for ApplyAsync), change those pages with it.
/// </summary>
public sealed class DocumentedBehaviourTests
{
    private const string LogTask = "\npublic static class Jobs { [ProcessTask] public static void Log(string message) => Console.WriteLine(message); }";

    [Fact]
    public async Task Dropping_an_ApplyAsync_result_in_an_async_method_warns_CS4014_and_a_discard_does_not()
    {
        BlockBuild dropped = await Build("pool.ApplyAsync(Square, 2, callback: r => Console.WriteLine(r));\nawait Task.Yield();");
        BlockBuild discarded = await Build("_ = pool.ApplyAsync(Square, 2, callback: r => Console.WriteLine(r));\nawait Task.Yield();");
        BlockBuild synchronous = await Build("pool.ApplyAsync(Square, 2, callback: r => Console.WriteLine(r));");

        Assert.Equal(["CS4014"], dropped.Diagnostics.Select(d => d.Id));
        Assert.Empty(discarded.Diagnostics);
        Assert.Empty(synchronous.Diagnostics);
    }

    [Fact]
    public async Task A_void_task_gives_a_non_generic_AsyncResult_whose_Get_returns_nothing()
    {
        BlockBuild assigned = await Build("var r = pool.ApplyAsync(Jobs.Log, \"x\").Get();" + LogTask);
        BlockBuild used = await Build("AsyncResult r = pool.ApplyAsync(Jobs.Log, \"x\", callback: () => Console.WriteLine(\"done\"));\nr.Get();\nawait r;" + LogTask);

        Assert.Equal(["CS0815"], assigned.Diagnostics.Select(d => d.Id));
        Assert.Empty(used.Diagnostics);
    }

    [Fact]
    public async Task Map_of_a_void_task_returns_nothing_and_MapAsync_a_plain_Task()
    {
        BlockBuild assigned = await Build("var r = pool.Map(Jobs.Log, new[] { \"a\" });" + LogTask);
        BlockBuild awaited = await Build("Task done = pool.MapAsync(Jobs.Log, new[] { \"a\" });\nawait done;" + LogTask);

        Assert.Equal(["CS0815"], assigned.Diagnostics.Select(d => d.Id));
        Assert.Empty(awaited.Diagnostics);
    }

    private static Task<BlockBuild> Build(string code) => BlockCompiler.CompileAsync(new CodeBlock("docs/pool.md", 1, code));
}
