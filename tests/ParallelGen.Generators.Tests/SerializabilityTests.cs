using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ParallelGen.Generators.Diagnostics;

namespace ParallelGen.Generators.Tests;

/// <summary>The serializability walk: into closed generics and the members of [MemoryPackable] types, naming the path; valid types accepted.</summary>
public sealed class SerializabilityTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using MemoryPack;
        using ParallelGen;

        """;

    private const string Types = """
        public sealed class Customer { public string Name { get; set; } = ""; }

        [MemoryPackable] public partial class Box<T> { public T? Value { get; set; } }

        [MemoryPackable] public partial class Order { public int Id { get; set; } public List<Box<Customer>> Lines { get; set; } = new(); public List<Customer> Buyers { get; set; } = new(); }

        """;

    [Fact]
    public Task PG0005_generic_MemoryPackable_types_closed_over_a_type_that_cannot_cross() => AnalyzerVerifier.VerifyAsync(Usings + Types + """
        public static class Work
        {
            [ProcessTask] public static int Open(Box<Stream> {|PG0005:box|}) => 0;
            [ProcessTask] public static int Count(List<Box<Customer>> {|PG0005:boxes|}) => boxes.Count;
            [ProcessTask] public static int Fine(Box<int> box, List<Box<string>> boxes) => box.Value;
        }
        """);

    [Fact]
    public Task PG0005_members_whose_element_type_cannot_cross() => AnalyzerVerifier.VerifyAsync(Usings + Types + """
        [MemoryPackable] public partial class Bag { public Dictionary<string, object> Items { get; set; } = new(); }
        [MemoryPackable] public partial class Holder { public Box<Stream>? Inner { get; set; } }
        [MemoryPackable] public partial class Buyers { public List<Customer> All { get; set; } = new(); }

        public static class Work
        {
            [ProcessTask] public static int Ship(Order {|PG0005:order|}) => order.Id;
            [ProcessTask] public static int Weigh(Bag {|PG0005:bag|}) => bag.Items.Count;
            [ProcessTask] public static Holder {|PG0005:Make|}(int x) => new();
            [ProcessTask] public static int Tally(Buyers {|PG0005:buyers|}) => buyers.All.Count;
        }
        """);

    [Fact]
    public Task PG0005_not_CS0311_for_MemoryPackable_types_MemoryPack_cannot_generate() => AnalyzerVerifier.VerifyAsync(Usings + """
        public interface IShape { }

        [MemoryPackable] public partial class WithObject { public object? {|MEMPACK018:Value|} { get; set; } }
        [MemoryPackable] public partial class WithInterface { public IShape? {|MEMPACK019:Shape|} { get; set; } }
        [MemoryPackable] public partial class WithStream { public Stream? {|MEMPACK019:Data|} { get; set; } }
        [MemoryPackable] public partial class WithCallback { public Action? {|MEMPACK018:Done|} { get; set; } }
        [MemoryPackable] public abstract partial class {|MEMPACK003:Animal|} { public string Name { get; set; } = ""; }
        [MemoryPackable] public class {|MEMPACK001:NotPartial|} { public int X { get; set; } }

        public static class Work
        {
            [ProcessTask] public static int A(WithObject {|PG0005:value|}) => 0;
            [ProcessTask] public static int B(WithInterface {|PG0005:value|}) => 0;
            [ProcessTask] public static int C(WithStream {|PG0005:value|}) => 0;
            [ProcessTask] public static int D(WithCallback {|PG0005:value|}) => 0;
            [ProcessTask] public static int E(Animal {|PG0005:value|}) => 0;
            [ProcessTask] public static int F(NotPartial {|PG0005:value|}) => 0;
        }
        """);

    [Fact]
    public async Task PG0005_names_the_path_to_the_type_at_fault()
    {
        Compilation compilation = TestCompilation.Create(Usings + Types + """
            public static class Work
            {
                [ProcessTask] public static int Ship(Order order) => order.Id;
                [ProcessTask] public static int Count(List<Box<Customer>> boxes) => boxes.Count;
            }
            """);
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers([new TaskDeclarationAnalyzer()]).GetAnalyzerDiagnosticsAsync();

        Assert.Collection(
            diagnostics.OrderBy(d => d.Location.SourceSpan.Start).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)),
            message => Assert.Contains("'Customer' at Order.Lines[].Value cannot be serialized, because it is not [MemoryPackable]", message),
            message => Assert.Contains("'Customer' at List<Box<Customer>>[].Value cannot be serialized", message));
    }

    [Fact]
    public Task Types_MemoryPack_serializes_are_accepted() => AnalyzerVerifier.VerifyAsync(Usings + """
        using System.Collections.Concurrent;
        using System.Collections.Frozen;
        using System.Collections.Immutable;
        using System.Collections.ObjectModel;
        using System.Numerics;

        [MemoryPackable] public partial class Node { public string Name { get; set; } = ""; public List<Node> Children { get; set; } = new(); }

        [MemoryPackable] [MemoryPackUnion(0, typeof(Circle))] [MemoryPackUnion(1, typeof(Square))] public partial interface IShape { }
        [MemoryPackable] public partial class Circle : IShape { public double Radius { get; set; } }
        [MemoryPackable] public partial class Square : IShape { public double Side { get; set; } }

        [MemoryPackable] public partial class Hidden { public int Id { get; set; } [MemoryPackIgnore] public Stream? Cache { get; set; } }

        public static class Work
        {
            [ProcessTask] public static int Grids(int[,] a, double[,,] b) => 0;
            [ProcessTask] public static int Spans(Memory<int> a, ReadOnlyMemory<byte> b, ArraySegment<int> c) => 0;
            [ProcessTask] public static int Immutable(ImmutableArray<int> a, ImmutableList<string> b, ImmutableDictionary<string, int> c, ImmutableHashSet<int> d) => 0;
            [ProcessTask] public static int Concurrent(ConcurrentDictionary<string, int> a, ConcurrentQueue<int> b, ConcurrentBag<string> c, ConcurrentStack<int> d) => 0;
            [ProcessTask] public static int ObjectModel(ReadOnlyCollection<int> a, Collection<string> b, ObservableCollection<int> c) => 0;
            [ProcessTask] public static int Sorted(SortedList<string, int> a, PriorityQueue<string, int> b, Lazy<int> c) => 0;
            [ProcessTask] public static int Frozen(FrozenSet<int> a, FrozenDictionary<string, int> b) => 0;
            [ProcessTask] public static int Known(BigInteger a, TimeZoneInfo b, System.Globalization.CultureInfo c, Uri d, Version e) => 0;
            [ProcessTask] public static Node Tree(Node root) => root;
            [ProcessTask] public static IShape Grow(IShape shape) => shape;
            [ProcessTask] public static int Ignored(Hidden hidden) => hidden.Id;
        }
        """);

    [Fact]
    public void A_BigInteger_anywhere_in_a_task_registers_the_replacement_formatter()
    {
        (GeneratorRunResult result, Compilation output) = TestCompilation.Run(TestCompilation.Create("""
            using System.Collections.Generic;
            using System.Numerics;
            using ParallelGen;

            public static class Work
            {
                [ProcessTask] public static int Digits(List<BigInteger> values) => values.Count;
            }
            """));

        TestCompilation.AssertClean(output);
        string table = result.GeneratedSources.Single(s => s.HintName == "ParallelGen.DispatchTable.g.cs").SourceText.ToString();
        Assert.Contains("global::MemoryPack.MemoryPackFormatterProvider.Register(new global::ParallelGen.Serialization.BigIntegerFormatter());", table);
        Assert.Contains("Register(new global::MemoryPack.Formatters.ListFormatter<global::System.Numerics.BigInteger>());", table);
    }
}
