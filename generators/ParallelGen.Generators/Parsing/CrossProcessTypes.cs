using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>
/// Decides whether a type can cross a process boundary, and lists the MemoryPack formatters it needs. One walk serves
/// both the "cannot cross" diagnostic and the formatter registration that Native AOT needs.
/// </summary>
internal static class CrossProcessTypes
{
    private const string Formatters = "global::MemoryPack.Formatters.";

    // Types MemoryPack registers itself at start-up (its well-known list).
    private static readonly HashSet<string> s_wellKnown =
    [
        "System.DateTimeOffset", "System.TimeSpan", "System.Guid", "System.Text.Rune", "System.DateOnly", "System.TimeOnly",
        "System.Half", "System.Int128", "System.UInt128", "System.Numerics.Complex", "System.Numerics.Plane",
        "System.Numerics.Quaternion", "System.Numerics.Matrix3x2", "System.Numerics.Matrix4x4", "System.Numerics.Vector2",
        "System.Numerics.Vector3", "System.Numerics.Vector4", "System.Version", "System.Uri", "System.Numerics.BigInteger",
        "System.Text.StringBuilder", "System.Collections.BitArray",
    ];

    // Generic collections MemoryPack has formatters for, by the definition's metadata name.
    private static readonly Dictionary<string, string> s_collections = new()
    {
        ["System.Collections.Generic.List`1"] = "ListFormatter",
        ["System.Collections.Generic.Dictionary`2"] = "DictionaryFormatter",
        ["System.Collections.Generic.HashSet`1"] = "HashSetFormatter",
        ["System.Collections.Generic.Queue`1"] = "QueueFormatter",
        ["System.Collections.Generic.Stack`1"] = "StackFormatter",
        ["System.Collections.Generic.LinkedList`1"] = "LinkedListFormatter",
        ["System.Collections.Generic.SortedSet`1"] = "SortedSetFormatter",
        ["System.Collections.Generic.SortedDictionary`2"] = "SortedDictionaryFormatter",
        ["System.Collections.Generic.IEnumerable`1"] = "InterfaceEnumerableFormatter",
        ["System.Collections.Generic.ICollection`1"] = "InterfaceCollectionFormatter",
        ["System.Collections.Generic.IReadOnlyCollection`1"] = "InterfaceReadOnlyCollectionFormatter",
        ["System.Collections.Generic.IList`1"] = "InterfaceListFormatter",
        ["System.Collections.Generic.IReadOnlyList`1"] = "InterfaceReadOnlyListFormatter",
        ["System.Collections.Generic.IDictionary`2"] = "InterfaceDictionaryFormatter",
        ["System.Collections.Generic.IReadOnlyDictionary`2"] = "InterfaceReadOnlyDictionaryFormatter",
        ["System.Collections.Generic.ISet`1"] = "InterfaceSetFormatter",
        ["System.Collections.Generic.KeyValuePair`2"] = "KeyValuePairFormatter",
        ["System.Tuple`1"] = "TupleFormatter", ["System.Tuple`2"] = "TupleFormatter", ["System.Tuple`3"] = "TupleFormatter",
        ["System.Tuple`4"] = "TupleFormatter", ["System.Tuple`5"] = "TupleFormatter", ["System.Tuple`6"] = "TupleFormatter",
        ["System.Tuple`7"] = "TupleFormatter",
    };

    /// <summary>
    /// Walks <paramref name="type"/> and everything it is made of. Returns <see langword="null"/> when it can cross,
    /// otherwise the innermost type that cannot. Adds the formatters to register to <paramref name="registrations"/>.
    /// </summary>
    public static ITypeSymbol? Walk(ITypeSymbol type, ICollection<FormatterRegistration>? registrations)
    {
        switch (type)
        {
            case IErrorTypeSymbol:
                return null; // The compiler reports it.
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol or IDynamicTypeSymbol or ITypeParameterSymbol:
                return type;
            case IArrayTypeSymbol array:
                return WalkArray(array, registrations);
            case INamedTypeSymbol named:
                return WalkNamed(named, registrations);
            default:
                return type;
        }
    }

    private static ITypeSymbol? WalkArray(IArrayTypeSymbol array, ICollection<FormatterRegistration>? registrations)
    {
        if (!array.IsSZArray)
        {
            return array;
        }

        if (Walk(array.ElementType, registrations) is { } bad)
        {
            return bad;
        }

        if (!IsPrimitive(array.ElementType))
        {
            string element = Name(array.ElementType);
            string formatter = array.ElementType.IsUnmanagedType ? "DangerousUnmanagedArrayFormatter" : "ArrayFormatter";
            registrations?.Add(new FormatterRegistration(Name(array), $"{Formatters}{formatter}<{element}>"));
        }

        return null;
    }

    private static ITypeSymbol? WalkNamed(INamedTypeSymbol type, ICollection<FormatterRegistration>? registrations)
    {
        if (type.IsRefLikeType || type.TypeKind is TypeKind.Delegate or TypeKind.Error)
        {
            return type;
        }

        if (IsPrimitive(type) || s_wellKnown.Contains(type.OriginalDefinition.ToDisplayString()))
        {
            return null;
        }

        if (CrossProcessFormatter(type) is { } crossProcess)
        {
            // A queue, lock or shared array: only its handle crosses; its item type must cross too.
            foreach (ITypeSymbol argument in type.TypeArguments)
            {
                if (Walk(argument, registrations) is { } bad)
                {
                    return bad;
                }
            }

            registrations?.Add(new FormatterRegistration(Name(type), crossProcess));
            return null;
        }

        if (type.HasAttribute(KnownNames.MemoryPackableAttribute))
        {
            registrations?.Add(new FormatterRegistration(Name(type), ""));
            return null;
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            registrations?.Add(Unmanaged(type));
            return null;
        }

        string definition = MetadataName(type.OriginalDefinition);
        bool isTupleOrNullable = definition.StartsWith("System.ValueTuple`", System.StringComparison.Ordinal) || definition == "System.Nullable`1";
        if (isTupleOrNullable || s_collections.ContainsKey(definition))
        {
            foreach (ITypeSymbol argument in type.TypeArguments)
            {
                if (Walk(argument, registrations) is { } bad)
                {
                    return bad;
                }
            }

            if (type.IsUnmanagedType)
            {
                // MemoryPack copies unmanaged values as raw memory, tuples and key/value pairs included.
                registrations?.Add(Unmanaged(type));
            }
            else
            {
                string formatter = definition switch
                {
                    "System.Nullable`1" => "NullableFormatter",
                    _ when isTupleOrNullable => "ValueTupleFormatter",
                    _ => s_collections[definition],
                };
                string arguments = string.Join(", ", type.TypeArguments.Select(Name));
                registrations?.Add(new FormatterRegistration(Name(type), $"{Formatters}{formatter}<{arguments}>"));
            }

            return null;
        }

        if (type.TypeKind == TypeKind.Struct && type.IsUnmanagedType && !type.IsGenericType)
        {
            registrations?.Add(Unmanaged(type));
            return null;
        }

        return type;
    }

    private static FormatterRegistration Unmanaged(ITypeSymbol type) =>
        new(Name(type), $"{Formatters}DangerousUnmanagedFormatter<{Name(type)}>");

    private static string? CrossProcessFormatter(INamedTypeSymbol type)
    {
        AttributeData? attribute = type.OriginalDefinition.GetAttributes().FirstOrDefault(a => a.Is(KnownNames.CrossProcessTypeAttribute));
        if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol formatter)
        {
            return null;
        }

        bool overMarkedType = attribute.NamedArguments.Any(a => a.Key == "OverMarkedType" && a.Value.Value is true);
        INamedTypeSymbol closed = !formatter.IsUnboundGenericType ? formatter
            : overMarkedType && formatter.OriginalDefinition.TypeParameters.Length == 1 ? formatter.OriginalDefinition.Construct(type)
            : formatter.OriginalDefinition.TypeParameters.Length == type.TypeArguments.Length ? formatter.OriginalDefinition.Construct([.. type.TypeArguments])
            : formatter;
        return Name(closed);
    }

    private static bool IsPrimitive(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Boolean or SpecialType.System_Char or SpecialType.System_SByte or SpecialType.System_Byte or
        SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32 or
        SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Decimal or SpecialType.System_Single or
        SpecialType.System_Double or SpecialType.System_String or SpecialType.System_IntPtr or SpecialType.System_UIntPtr or
        SpecialType.System_DateTime => true,
        _ => false,
    };

    private static string Name(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static string MetadataName(INamedTypeSymbol definition) =>
        definition.ContainingNamespace.IsGlobalNamespace
            ? definition.MetadataName
            : $"{definition.ContainingNamespace.ToDisplayString()}.{definition.MetadataName}";
}
