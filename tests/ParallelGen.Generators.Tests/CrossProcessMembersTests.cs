using Microsoft.CodeAnalysis;

namespace ParallelGen.Generators.Tests;

/// <summary>Queues and proxies carried in the members of [MemoryPackable] types get their formatters registered too (for Native AOT).</summary>
public sealed class CrossProcessMembersTests
{
    [Fact]
    public void Cross_process_types_in_record_members_are_registered_at_any_depth_and_a_type_that_carries_itself_ends()
    {
        const string source = """
            using System.Collections.Generic;
            using MemoryPack;
            using ParallelGen;

            namespace Demo;

            [MemoryPackable]
            public partial record Job(string Name, [property: MemoryPackAllowSerialize] ManagedList<byte[]> Log, Inner Details);

            [MemoryPackable]
            public partial record Inner(List<ProcessQueue<decimal>> Queues);

            [MemoryPackable]
            public partial record Node(int Value, [property: MemoryPackAllowSerialize] ProcessQueue<Node>? Next);

            [MemoryPackable]
            public partial record Plain(int Value, string Text);

            public static class Jobs
            {
                [ProcessTask] public static int Run(Job job) => job.Log.Count;
                [ProcessTask] public static int Walk(Node node) => node.Value;
                [ProcessTask] public static int Count(Plain plain) => plain.Value;
            }
            """;

        (GeneratorRunResult result, _) = TestCompilation.Run(TestCompilation.Create(source));

        Assert.Empty(result.Diagnostics);
        string table = result.GeneratedSources.Single(s => s.HintName == "ParallelGen.DispatchTable.g.cs").SourceText.ToString();
        Assert.Contains("ManagedListFormatter<byte[]>", table);
        Assert.Contains("SharedObjectFormatter<global::ParallelGen.ProcessQueue<decimal>>", table);
        Assert.Contains("ListFormatter<global::ParallelGen.ProcessQueue<decimal>>", table);
        Assert.Contains("SharedObjectFormatter<global::ParallelGen.ProcessQueue<global::Demo.Node>>", table);
    }
}
