using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Text;
using MemoryPack;
using ParallelGen.Generators.Parsing;

namespace ParallelGen.Generators.Tests;

/// <summary>
/// The generator's list of types that cross (<see cref="MemoryPackTypes"/>) against the MemoryPack version referenced:
/// every entry round-trips a non-trivial value through the formatter the generated code registers, and the list
/// covers exactly MemoryPack's own tables, so neither can drift without a failing test.
/// </summary>
public sealed class WellKnownTypeTests
{
    /// <summary>A value per generic entry, declared as the closed type a task would use.</summary>
    private static readonly Dictionary<string, (Type Declared, object Value)> s_genericValues = new()
    {
        ["System.ArraySegment`1"] = Case<ArraySegment<int>>(new ArraySegment<int>([9, 1, 2, 3, 9], 1, 3)),
        ["System.Memory`1"] = Case<Memory<int>>(new Memory<int>([1, 2, 3])),
        ["System.ReadOnlyMemory`1"] = Case<ReadOnlyMemory<int>>(new ReadOnlyMemory<int>([1, 2, 3])),
        ["System.Buffers.ReadOnlySequence`1"] = Case<ReadOnlySequence<int>>(new ReadOnlySequence<int>([1, 2, 3])),
        ["System.Collections.Generic.List`1"] = Case<List<int>>(new List<int> { 1, 2, 3 }),
        ["System.Collections.Generic.Stack`1"] = Case<Stack<int>>(new Stack<int>([1, 2, 3])),
        ["System.Collections.Generic.Queue`1"] = Case<Queue<int>>(new Queue<int>([1, 2, 3])),
        ["System.Collections.Generic.LinkedList`1"] = Case<LinkedList<int>>(new LinkedList<int>([1, 2, 3])),
        ["System.Collections.Generic.HashSet`1"] = Case<HashSet<int>>(new HashSet<int> { 1, 2, 3 }),
        ["System.Collections.Generic.SortedSet`1"] = Case<SortedSet<int>>(new SortedSet<int> { 3, 1, 2 }),
        ["System.Collections.Generic.PriorityQueue`2"] = Case<PriorityQueue<string, int>>(new PriorityQueue<string, int>([("b", 2), ("a", 1), ("c", 3)])),
        ["System.Collections.ObjectModel.ObservableCollection`1"] = Case<ObservableCollection<int>>(new ObservableCollection<int>([1, 2, 3])),
        ["System.Collections.ObjectModel.Collection`1"] = Case<Collection<int>>(new Collection<int>([1, 2, 3])),
        ["System.Collections.Concurrent.ConcurrentQueue`1"] = Case<ConcurrentQueue<int>>(new ConcurrentQueue<int>([1, 2, 3])),
        ["System.Collections.Concurrent.ConcurrentStack`1"] = Case<ConcurrentStack<int>>(new ConcurrentStack<int>([1, 2, 3])),
        ["System.Collections.Concurrent.ConcurrentBag`1"] = Case<ConcurrentBag<int>>(new ConcurrentBag<int>([1, 2, 3])),
        ["System.Collections.Generic.Dictionary`2"] = Case<Dictionary<string, int>>(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }),
        ["System.Collections.Generic.SortedDictionary`2"] = Case<SortedDictionary<string, int>>(new SortedDictionary<string, int> { ["b"] = 2, ["a"] = 1 }),
        ["System.Collections.Generic.SortedList`2"] = Case<SortedList<string, int>>(new SortedList<string, int> { ["b"] = 2, ["a"] = 1 }),
        ["System.Collections.Concurrent.ConcurrentDictionary`2"] = Case<ConcurrentDictionary<string, int>>(new ConcurrentDictionary<string, int>([new("a", 1), new("b", 2)])),
        ["System.Collections.ObjectModel.ReadOnlyCollection`1"] = Case<ReadOnlyCollection<int>>(new ReadOnlyCollection<int>([1, 2, 3])),
        ["System.Collections.ObjectModel.ReadOnlyObservableCollection`1"] = Case<ReadOnlyObservableCollection<int>>(new ReadOnlyObservableCollection<int>([1, 2, 3])),
        ["System.Collections.Concurrent.BlockingCollection`1"] = Case<BlockingCollection<int>>(Blocking(1, 2, 3)),
        ["System.Collections.Immutable.ImmutableArray`1"] = Case<ImmutableArray<int>>(ImmutableArray.Create(1, 2, 3)),
        ["System.Collections.Immutable.ImmutableList`1"] = Case<ImmutableList<int>>(ImmutableList.Create(1, 2, 3)),
        ["System.Collections.Immutable.ImmutableQueue`1"] = Case<ImmutableQueue<int>>(ImmutableQueue.Create(1, 2, 3)),
        ["System.Collections.Immutable.ImmutableStack`1"] = Case<ImmutableStack<int>>(ImmutableStack.Create(1, 2, 3)),
        ["System.Collections.Immutable.ImmutableDictionary`2"] = Case<ImmutableDictionary<string, int>>(ImmutableDictionary.CreateRange([new KeyValuePair<string, int>("a", 1), new("b", 2)])),
        ["System.Collections.Immutable.ImmutableSortedDictionary`2"] = Case<ImmutableSortedDictionary<string, int>>(ImmutableSortedDictionary.CreateRange([new KeyValuePair<string, int>("b", 2), new("a", 1)])),
        ["System.Collections.Immutable.ImmutableSortedSet`1"] = Case<ImmutableSortedSet<int>>(ImmutableSortedSet.Create(3, 1, 2)),
        ["System.Collections.Immutable.ImmutableHashSet`1"] = Case<ImmutableHashSet<int>>(ImmutableHashSet.Create(1, 2, 3)),
        ["System.Collections.Immutable.IImmutableList`1"] = Case<IImmutableList<int>>(ImmutableList.Create(1, 2, 3)),
        ["System.Collections.Immutable.IImmutableQueue`1"] = Case<IImmutableQueue<int>>(ImmutableQueue.Create(1, 2, 3)),
        ["System.Collections.Immutable.IImmutableStack`1"] = Case<IImmutableStack<int>>(ImmutableStack.Create(1, 2, 3)),
        ["System.Collections.Immutable.IImmutableDictionary`2"] = Case<IImmutableDictionary<string, int>>(ImmutableDictionary.CreateRange([new KeyValuePair<string, int>("a", 1)])),
        ["System.Collections.Immutable.IImmutableSet`1"] = Case<IImmutableSet<int>>(ImmutableHashSet.Create(1, 2, 3)),
        ["System.Collections.Frozen.FrozenDictionary`2"] = Case<FrozenDictionary<string, int>>(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }.ToFrozenDictionary()),
        ["System.Collections.Frozen.FrozenSet`1"] = Case<FrozenSet<int>>(new[] { 1, 2, 3 }.ToFrozenSet()),
        ["System.Collections.Generic.IEnumerable`1"] = Case<IEnumerable<int>>(new List<int> { 1, 2, 3 }),
        ["System.Collections.Generic.ICollection`1"] = Case<ICollection<int>>(new List<int> { 1, 2, 3 }),
        ["System.Collections.Generic.IReadOnlyCollection`1"] = Case<IReadOnlyCollection<int>>(new List<int> { 1, 2, 3 }),
        ["System.Collections.Generic.IList`1"] = Case<IList<int>>(new List<int> { 1, 2, 3 }),
        ["System.Collections.Generic.IReadOnlyList`1"] = Case<IReadOnlyList<int>>(new List<int> { 1, 2, 3 }),
        ["System.Collections.Generic.IDictionary`2"] = Case<IDictionary<string, int>>(new Dictionary<string, int> { ["a"] = 1 }),
        ["System.Collections.Generic.IReadOnlyDictionary`2"] = Case<IReadOnlyDictionary<string, int>>(new Dictionary<string, int> { ["a"] = 1 }),
        ["System.Linq.ILookup`2"] = Case<ILookup<string, int>>(new[] { 1, 2, 3 }.ToLookup(x => x % 2 == 0 ? "even" : "odd")),
        ["System.Linq.IGrouping`2"] = Case<IGrouping<string, int>>(new[] { 1, 3 }.GroupBy(_ => "odd").Single()),
        ["System.Collections.Generic.ISet`1"] = Case<ISet<int>>(new HashSet<int> { 1, 2, 3 }),
        ["System.Collections.Generic.IReadOnlySet`1"] = Case<IReadOnlySet<int>>(new HashSet<int> { 1, 2, 3 }),
        ["System.Collections.Generic.KeyValuePair`2"] = Case<KeyValuePair<string, int>>(new KeyValuePair<string, int>("a", 1)),
        ["System.Lazy`1"] = Case<Lazy<string>>(new Lazy<string>(() => "lazy")),
        ["System.Nullable`1"] = Case<int?>(42),
        ["System.Tuple`1"] = Case<Tuple<string>>(Tuple.Create("a")),
        ["System.Tuple`2"] = Case<Tuple<string, int>>(Tuple.Create("a", 2)),
        ["System.Tuple`3"] = Case<Tuple<string, int, int>>(Tuple.Create("a", 2, 3)),
        ["System.Tuple`4"] = Case<Tuple<string, int, int, int>>(Tuple.Create("a", 2, 3, 4)),
        ["System.Tuple`5"] = Case<Tuple<string, int, int, int, int>>(Tuple.Create("a", 2, 3, 4, 5)),
        ["System.Tuple`6"] = Case<Tuple<string, int, int, int, int, int>>(Tuple.Create("a", 2, 3, 4, 5, 6)),
        ["System.Tuple`7"] = Case<Tuple<string, int, int, int, int, int, int>>(Tuple.Create("a", 2, 3, 4, 5, 6, 7)),
        ["System.Tuple`8"] = Case<Tuple<string, int, int, int, int, int, int, Tuple<int>>>(new Tuple<string, int, int, int, int, int, int, Tuple<int>>("a", 2, 3, 4, 5, 6, 7, Tuple.Create(8))),
        ["System.ValueTuple`1"] = Case<ValueTuple<string>>(new ValueTuple<string>("a")),
        ["System.ValueTuple`2"] = Case<(string, int)>(("a", 2)),
        ["System.ValueTuple`3"] = Case<(string, int, int)>(("a", 2, 3)),
        ["System.ValueTuple`4"] = Case<(string, int, int, int)>(("a", 2, 3, 4)),
        ["System.ValueTuple`5"] = Case<(string, int, int, int, int)>(("a", 2, 3, 4, 5)),
        ["System.ValueTuple`6"] = Case<(string, int, int, int, int, int)>(("a", 2, 3, 4, 5, 6)),
        ["System.ValueTuple`7"] = Case<(string, int, int, int, int, int, int)>(("a", 2, 3, 4, 5, 6, 7)),
        ["System.ValueTuple`8"] = Case<(string, int, int, int, int, int, int, int)>(("a", 2, 3, 4, 5, 6, 7, 8)),
    };

    /// <summary>A value per non-generic entry; none is its type's default.</summary>
    private static readonly Dictionary<string, object> s_nonGenericValues = new()
    {
        ["System.DateTimeOffset"] = new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.FromHours(2)),
        ["System.TimeSpan"] = TimeSpan.FromMilliseconds(123_456_789),
        ["System.Guid"] = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        ["System.Text.Rune"] = new Rune(0x1F600),
        ["System.DateOnly"] = new DateOnly(2024, 2, 29),
        ["System.TimeOnly"] = new TimeOnly(23, 59, 58, 123),
        ["System.Half"] = (Half)1.5f,
        ["System.Int128"] = Int128.MaxValue - 12345,
        ["System.UInt128"] = UInt128.MaxValue - 12345,
        ["System.Numerics.Complex"] = new Complex(1.5, -2.25),
        ["System.Numerics.Plane"] = new Plane(1, 2, 3, 4),
        ["System.Numerics.Quaternion"] = new Quaternion(1, 2, 3, 4),
        ["System.Numerics.Matrix3x2"] = new Matrix3x2(1, 2, 3, 4, 5, 6),
        ["System.Numerics.Matrix4x4"] = new Matrix4x4(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
        ["System.Numerics.Vector2"] = new Vector2(1, 2),
        ["System.Numerics.Vector3"] = new Vector3(1, 2, 3),
        ["System.Numerics.Vector4"] = new Vector4(1, 2, 3, 4),
        ["System.Version"] = new Version(1, 2, 3, 4),
        ["System.Uri"] = new Uri("https://example.org/a?b=c"),
        ["System.TimeZoneInfo"] = TimeZoneInfo.CreateCustomTimeZone("Test/Zone", TimeSpan.FromHours(5.5), "Test Zone", "Test Standard"),
        ["System.Numerics.BigInteger"] = BigInteger.Parse("-123456789012345678901234567890123456789", CultureInfo.InvariantCulture),
        ["System.Text.StringBuilder"] = new StringBuilder("some text"),
        ["System.Collections.BitArray"] = new BitArray([true, false, true, true]),
        ["System.Globalization.CultureInfo"] = CultureInfo.GetCultureInfo("fr-FR"),
    };

    static WellKnownTypeTests()
    {
        // As generated code does in every process that sends or receives one.
        foreach (string type in MemoryPackTypes.Replaced.Values)
        {
            Assert.Equal("global::ParallelGen.Serialization.BigIntegerFormatter", type);
        }

        MemoryPackFormatterProvider.Register(new ParallelGen.Serialization.BigIntegerFormatter());
    }

    [Fact]
    public void Every_generic_entry_round_trips_a_value_through_the_formatter_the_generated_code_registers()
    {
        Assert.Equal(MemoryPackTypes.Generic.Keys.Order(), s_genericValues.Keys.Order());
        foreach ((string definition, string formatterName) in MemoryPackTypes.Generic)
        {
            (Type declared, object value) = s_genericValues[definition];
            Assert.Equal(definition, $"{declared.GetGenericTypeDefinition().Namespace}.{declared.GetGenericTypeDefinition().Name}");
            Type formatterDefinition = typeof(MemoryPackSerializer).Assembly.GetType($"MemoryPack.Formatters.{formatterName}`{declared.GetGenericArguments().Length}")
                ?? throw new Xunit.Sdk.XunitException($"{definition}: MemoryPack has no formatter {formatterName}");
            object formatter = Activator.CreateInstance(formatterDefinition.MakeGenericType(declared.GetGenericArguments()))!;
            Register(declared, formatter);
            AssertRoundTrips(definition, declared, value);
        }
    }

    [Fact]
    public void Every_non_generic_entry_round_trips_a_value_that_is_not_its_default()
    {
        Assert.Equal(MemoryPackTypes.NonGeneric.Order(), s_nonGenericValues.Keys.Order());
        foreach ((string name, object value) in s_nonGenericValues)
        {
            Assert.Equal(name, value.GetType().FullName == "System.Globalization.CultureInfo" || value.GetType().IsAssignableTo(typeof(TimeZoneInfo)) ? name : value.GetType().FullName);
            Type declared = value is TimeZoneInfo ? typeof(TimeZoneInfo) : value is CultureInfo ? typeof(CultureInfo) : value.GetType();
            AssertRoundTrips(name, declared, value);
        }
    }

    [Fact]
    public void Arrays_of_two_to_four_dimensions_round_trip_through_their_formatters()
    {
        int[,] two = { { 1, 2, 3 }, { 4, 5, 6 } };
        int[,,] three = new int[2, 2, 2];
        three[1, 0, 1] = 7;
        string[,,,] four = new string[1, 2, 1, 2];
        four[0, 1, 0, 1] = "x";
        foreach (Array array in new Array[] { two, three, four })
        {
            Type formatterDefinition = typeof(MemoryPackSerializer).Assembly.GetType($"MemoryPack.Formatters.{MemoryPackTypes.MultiDimensionalArrays[array.Rank]}`1")!;
            Register(array.GetType(), Activator.CreateInstance(formatterDefinition.MakeGenericType(array.GetType().GetElementType()!))!);
            AssertRoundTrips($"rank {array.Rank}", array.GetType(), array);
        }
    }

    [Fact]
    public void The_lists_cover_every_generic_formatter_of_the_MemoryPack_version_referenced()
    {
        Dictionary<Type, Type> theirs = [];
        foreach (FieldInfo field in typeof(MemoryPackFormatterProvider).GetFields(BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(Dictionary<Type, Type>)))
        {
            foreach ((Type type, Type formatter) in (Dictionary<Type, Type>)field.GetValue(null)!)
            {
                theirs[type] = formatter;
            }
        }

        Type tuples = typeof(MemoryPackSerializer).Assembly.GetType("MemoryPack.Formatters.TupleFormatterTypes")!;
        foreach ((Type type, Type formatter) in (Dictionary<Type, Type>)tuples.GetField("TupleFormatters")!.GetValue(null)!)
        {
            theirs[type] = formatter;
        }

        Assert.True(theirs.Count > 40, $"MemoryPack's tables were not found by reflection ({theirs.Count} entries): update this test for its version");
        Assert.Equal(
            theirs.Select(pair => $"{pair.Key.Namespace}.{pair.Key.Name} -> {pair.Value.Name[..pair.Value.Name.IndexOf('`')]}").Order(),
            MemoryPackTypes.Generic.Select(pair => $"{pair.Key} -> {pair.Value}").Order());
    }

    [Fact]
    public void Every_non_generic_type_MemoryPack_registers_is_accepted_or_rejected_with_a_reason()
    {
        _ = MemoryPackFormatterProvider.IsRegistered<int>(); // runs its static constructor, which registers them
        System.Collections.Concurrent.ConcurrentDictionary<Type, IMemoryPackFormatter> registered =
            (System.Collections.Concurrent.ConcurrentDictionary<Type, IMemoryPackFormatter>)typeof(MemoryPackFormatterProvider)
                .GetField("formatters", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        string[] theirs =
        [
            .. registered.Keys
                .Where(t => !t.IsArray && !t.IsGenericType && !t.IsPrimitive && t != typeof(string) && t != typeof(decimal) && t != typeof(DateTime))
                .Where(t => t.Assembly == typeof(object).Assembly || t.Namespace!.StartsWith("System", StringComparison.Ordinal))
                .Select(t => t.FullName!),
        ];

        Assert.Equal(theirs.Order(), MemoryPackTypes.NonGeneric.Concat(MemoryPackTypes.Rejected.Keys).Order());
    }

    [Fact]
    public void MemoryPacks_own_BigInteger_formatter_still_loses_the_value_so_ParallelGen_replaces_it()
    {
        // When this fails, the MemoryPack version referenced has fixed its formatter: drop the replacement.
        BigInteger value = BigInteger.Parse("123456789012345678901234567890", CultureInfo.InvariantCulture);
        MemoryPackFormatterProvider.Register(new MemoryPack.Formatters.BigIntegerFormatter());
        try
        {
            Assert.Equal(BigInteger.Zero, MemoryPackSerializer.Deserialize<BigInteger>(MemoryPackSerializer.Serialize(value)));
        }
        finally
        {
            MemoryPackFormatterProvider.Register(new ParallelGen.Serialization.BigIntegerFormatter());
        }

        Assert.Equal(value, MemoryPackSerializer.Deserialize<BigInteger>(MemoryPackSerializer.Serialize(value)));
        Assert.Equal(-value, MemoryPackSerializer.Deserialize<BigInteger>(MemoryPackSerializer.Serialize(-value)));
        BigInteger huge = BigInteger.Pow(3, 2000); // more than the formatter's stack buffer
        Assert.Equal(huge, MemoryPackSerializer.Deserialize<BigInteger>(MemoryPackSerializer.Serialize(huge)));
    }

    private static (Type, object) Case<T>(T value) => (typeof(T), value!);

    private static BlockingCollection<int> Blocking(params int[] items)
    {
        BlockingCollection<int> collection = [];
        foreach (int item in items)
        {
            collection.Add(item);
        }

        return collection;
    }

    private static void Register(Type type, object formatter) =>
        typeof(MemoryPackFormatterProvider).GetMethods()
            .Single(m => m.Name == nameof(MemoryPackFormatterProvider.Register) && m.IsGenericMethodDefinition && m.GetParameters().Length == 1)
            .MakeGenericMethod(type)
            .Invoke(null, [formatter]);

    private static void AssertRoundTrips(string name, Type declared, object value)
    {
        byte[] bytes = MemoryPackSerializer.Serialize(declared, value);
        object? back = MemoryPackSerializer.Deserialize(declared, bytes);
        string expected = Describe(value);
        Assert.True(expected == Describe(back), $"{name}: sent {expected}, received {Describe(back)}");
        object? empty = declared.IsValueType ? Activator.CreateInstance(declared) : null;
        Assert.True(expected != DescribeDefault(empty), $"{name}: the test value must not look like the default");
    }

    private static string DescribeDefault(object? value)
    {
        try
        {
            return Describe(value);
        }
        catch (InvalidOperationException)
        {
            return "default"; // A default ArraySegment or ImmutableArray cannot be enumerated.
        }
        catch (NullReferenceException)
        {
            return "default";
        }
    }

    /// <summary>A canonical text of a value: elements of unordered collections sorted, nested values described.</summary>
    private static string Describe(object? value) => value switch
    {
        null => "null",
        string text => '"' + text + '"',
        StringBuilder builder => "sb:" + builder,
        BitArray bits => "bits:" + string.Concat(bits.Cast<bool>().Select(b => b ? '1' : '0')),
        TimeZoneInfo zone => $"tz:{zone.Id}:{zone.BaseUtcOffset}",
        CultureInfo culture => "culture:" + culture.Name,
        PriorityQueue<string, int> queue => "pq:" + string.Join(",", queue.UnorderedItems.Select(i => $"{i.Element}@{i.Priority}").Order()),
        Memory<int> memory => "mem:" + string.Join(",", memory.ToArray()),
        ReadOnlyMemory<int> memory => "rom:" + string.Join(",", memory.ToArray()),
        ReadOnlySequence<int> sequence => "seq:" + string.Join(",", sequence.ToArray()),
        Lazy<string> lazy => "lazy:" + lazy.Value,
        System.Runtime.CompilerServices.ITuple tuple => "(" + string.Join(",", Enumerable.Range(0, tuple.Length).Select(i => Describe(tuple[i]))) + ")",
        IGrouping<string, int> group => $"group:{group.Key}:" + string.Join(",", group.Order()),
        ILookup<string, int> lookup => "lookup:" + string.Join(";", lookup.OrderBy(g => g.Key).Select(g => $"{g.Key}={string.Join(",", g.Order())}")),
        Array { Rank: > 1 } array => $"array{array.Rank}:" + string.Join(",", Enumerable.Range(0, array.Rank).Select(array.GetLength)) + ":" + string.Join(",", array.Cast<object?>().Select(Describe)),
        IEnumerable items => "[" + string.Join(",", items.Cast<object?>().Select(Describe).Order(StringComparer.Ordinal)) + "]",
        _ when value.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>) => value.ToString()!,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };
}
