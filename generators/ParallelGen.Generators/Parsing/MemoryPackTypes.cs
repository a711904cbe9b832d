using System.Collections.Generic;

namespace ParallelGen.Generators.Parsing;

/// <summary>
/// The types MemoryPack serializes without a <c>[MemoryPackable]</c> attribute, with the formatter Native AOT needs
/// registered for each. Taken from MemoryPack's own provider (its well-known types and its generic formatter tables);
/// the generator tests round-trip every entry through the MemoryPack version referenced and compare the lists with
/// that version's tables, so they cannot drift apart.
/// </summary>
internal static class MemoryPackTypes
{
    /// <summary>The namespace of MemoryPack's formatters, qualified for generated code.</summary>
    public const string FormatterNamespace = "global::MemoryPack.Formatters.";

    /// <summary>
    /// Non-generic types MemoryPack registers at start-up, by metadata name. The primitives, <c>string</c> and
    /// <c>DateTime</c> are handled apart, and unmanaged ones need no registration.
    /// </summary>
    public static readonly HashSet<string> NonGeneric =
    [
        "System.DateTimeOffset", "System.TimeSpan", "System.Guid", "System.Text.Rune", "System.DateOnly", "System.TimeOnly",
        "System.Half", "System.Int128", "System.UInt128", "System.Numerics.Complex", "System.Numerics.Plane",
        "System.Numerics.Quaternion", "System.Numerics.Matrix3x2", "System.Numerics.Matrix4x4", "System.Numerics.Vector2",
        "System.Numerics.Vector3", "System.Numerics.Vector4", "System.Version", "System.Uri", "System.TimeZoneInfo",
        "System.Numerics.BigInteger", "System.Text.StringBuilder", "System.Collections.BitArray", "System.Globalization.CultureInfo",
    ];

    /// <summary>
    /// Types whose MemoryPack formatter is wrong, with the ParallelGen formatter registered in its place (generated code
    /// replaces MemoryPack's registration in every process).
    /// </summary>
    public static readonly Dictionary<string, string> Replaced = new()
    {
        // MemoryPack 1.21.4 and 1.22.0 write the unused tail of the buffer instead of the value: every value arrives as 0.
        ["System.Numerics.BigInteger"] = "global::ParallelGen.Serialization.BigIntegerFormatter",
    };

    /// <summary>Types MemoryPack has a formatter for that ParallelGen still rejects, with the reason (for PG0005).</summary>
    public static readonly Dictionary<string, string> Rejected = new()
    {
        ["System.Type"] = "a Type crosses as its name and is loaded by name on the other side, which Native AOT cannot do for trimmed types; send the name and map it yourself",
    };

    /// <summary>Generic types MemoryPack has a formatter for, by the definition's metadata name: the formatter's name, closed over the same type arguments.</summary>
    public static readonly Dictionary<string, string> Generic = new()
    {
        // Array-like.
        ["System.ArraySegment`1"] = "ArraySegmentFormatter",
        ["System.Memory`1"] = "MemoryFormatter",
        ["System.ReadOnlyMemory`1"] = "ReadOnlyMemoryFormatter",
        ["System.Buffers.ReadOnlySequence`1"] = "ReadOnlySequenceFormatter",

        // Collections.
        ["System.Collections.Generic.List`1"] = "ListFormatter",
        ["System.Collections.Generic.Stack`1"] = "StackFormatter",
        ["System.Collections.Generic.Queue`1"] = "QueueFormatter",
        ["System.Collections.Generic.LinkedList`1"] = "LinkedListFormatter",
        ["System.Collections.Generic.HashSet`1"] = "HashSetFormatter",
        ["System.Collections.Generic.SortedSet`1"] = "SortedSetFormatter",
        ["System.Collections.Generic.PriorityQueue`2"] = "PriorityQueueFormatter",
        ["System.Collections.ObjectModel.ObservableCollection`1"] = "ObservableCollectionFormatter",
        ["System.Collections.ObjectModel.Collection`1"] = "CollectionFormatter",
        ["System.Collections.Concurrent.ConcurrentQueue`1"] = "ConcurrentQueueFormatter",
        ["System.Collections.Concurrent.ConcurrentStack`1"] = "ConcurrentStackFormatter",
        ["System.Collections.Concurrent.ConcurrentBag`1"] = "ConcurrentBagFormatter",
        ["System.Collections.Generic.Dictionary`2"] = "DictionaryFormatter",
        ["System.Collections.Generic.SortedDictionary`2"] = "SortedDictionaryFormatter",
        ["System.Collections.Generic.SortedList`2"] = "SortedListFormatter",
        ["System.Collections.Concurrent.ConcurrentDictionary`2"] = "ConcurrentDictionaryFormatter",
        ["System.Collections.ObjectModel.ReadOnlyCollection`1"] = "ReadOnlyCollectionFormatter",
        ["System.Collections.ObjectModel.ReadOnlyObservableCollection`1"] = "ReadOnlyObservableCollectionFormatter",
        ["System.Collections.Concurrent.BlockingCollection`1"] = "BlockingCollectionFormatter",

        // Immutable and frozen collections.
        ["System.Collections.Immutable.ImmutableArray`1"] = "ImmutableArrayFormatter",
        ["System.Collections.Immutable.ImmutableList`1"] = "ImmutableListFormatter",
        ["System.Collections.Immutable.ImmutableQueue`1"] = "ImmutableQueueFormatter",
        ["System.Collections.Immutable.ImmutableStack`1"] = "ImmutableStackFormatter",
        ["System.Collections.Immutable.ImmutableDictionary`2"] = "ImmutableDictionaryFormatter",
        ["System.Collections.Immutable.ImmutableSortedDictionary`2"] = "ImmutableSortedDictionaryFormatter",
        ["System.Collections.Immutable.ImmutableSortedSet`1"] = "ImmutableSortedSetFormatter",
        ["System.Collections.Immutable.ImmutableHashSet`1"] = "ImmutableHashSetFormatter",
        ["System.Collections.Immutable.IImmutableList`1"] = "InterfaceImmutableListFormatter",
        ["System.Collections.Immutable.IImmutableQueue`1"] = "InterfaceImmutableQueueFormatter",
        ["System.Collections.Immutable.IImmutableStack`1"] = "InterfaceImmutableStackFormatter",
        ["System.Collections.Immutable.IImmutableDictionary`2"] = "InterfaceImmutableDictionaryFormatter",
        ["System.Collections.Immutable.IImmutableSet`1"] = "InterfaceImmutableSetFormatter",
        ["System.Collections.Frozen.FrozenDictionary`2"] = "FrozenDictionaryFormatter",
        ["System.Collections.Frozen.FrozenSet`1"] = "FrozenSetFormatter",

        // Collection interfaces.
        ["System.Collections.Generic.IEnumerable`1"] = "InterfaceEnumerableFormatter",
        ["System.Collections.Generic.ICollection`1"] = "InterfaceCollectionFormatter",
        ["System.Collections.Generic.IReadOnlyCollection`1"] = "InterfaceReadOnlyCollectionFormatter",
        ["System.Collections.Generic.IList`1"] = "InterfaceListFormatter",
        ["System.Collections.Generic.IReadOnlyList`1"] = "InterfaceReadOnlyListFormatter",
        ["System.Collections.Generic.IDictionary`2"] = "InterfaceDictionaryFormatter",
        ["System.Collections.Generic.IReadOnlyDictionary`2"] = "InterfaceReadOnlyDictionaryFormatter",
        ["System.Linq.ILookup`2"] = "InterfaceLookupFormatter",
        ["System.Linq.IGrouping`2"] = "InterfaceGroupingFormatter",
        ["System.Collections.Generic.ISet`1"] = "InterfaceSetFormatter",
        ["System.Collections.Generic.IReadOnlySet`1"] = "InterfaceReadOnlySetFormatter",

        // Other generics.
        ["System.Collections.Generic.KeyValuePair`2"] = "KeyValuePairFormatter",
        ["System.Lazy`1"] = "LazyFormatter",
        ["System.Nullable`1"] = "NullableFormatter",
        ["System.Tuple`1"] = "TupleFormatter", ["System.Tuple`2"] = "TupleFormatter", ["System.Tuple`3"] = "TupleFormatter",
        ["System.Tuple`4"] = "TupleFormatter", ["System.Tuple`5"] = "TupleFormatter", ["System.Tuple`6"] = "TupleFormatter",
        ["System.Tuple`7"] = "TupleFormatter", ["System.Tuple`8"] = "TupleFormatter",
        ["System.ValueTuple`1"] = "ValueTupleFormatter", ["System.ValueTuple`2"] = "ValueTupleFormatter", ["System.ValueTuple`3"] = "ValueTupleFormatter",
        ["System.ValueTuple`4"] = "ValueTupleFormatter", ["System.ValueTuple`5"] = "ValueTupleFormatter", ["System.ValueTuple`6"] = "ValueTupleFormatter",
        ["System.ValueTuple`7"] = "ValueTupleFormatter", ["System.ValueTuple`8"] = "ValueTupleFormatter",
    };

    /// <summary>Formatters of arrays of 2, 3 and 4 dimensions, by rank (MemoryPack stops at 4).</summary>
    public static readonly Dictionary<int, string> MultiDimensionalArrays = new()
    {
        [2] = "TwoDimensionalArrayFormatter",
        [3] = "ThreeDimensionalArrayFormatter",
        [4] = "FourDimensionalArrayFormatter",
    };
}
