using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>Why a type cannot cross a process boundary: the innermost type at fault, where it sits, and why.</summary>
/// <param name="Type">The type that cannot be serialized.</param>
/// <param name="Path">Where it sits in the type walked, e.g. <c>Order.Lines[].Customer</c>.</param>
/// <param name="Reason">Why, for the diagnostic.</param>
internal sealed record TypeProblem(ITypeSymbol Type, string Path, string Reason);

/// <summary>
/// Decides whether a type can cross a process boundary, and lists the MemoryPack formatters it needs. One walk serves
/// both the "cannot cross" diagnostic and the formatter registration that Native AOT needs. It goes all the way down:
/// into array elements, the type arguments of collections and tuples, and the members MemoryPack serializes of every
/// <c>[MemoryPackable]</c> type, closed generics included (MemoryPack's own attributes and rules decide which members).
/// </summary>
internal static class CrossProcessTypes
{
    private const string Formatters = MemoryPackTypes.FormatterNamespace;

    /// <summary>
    /// Walks <paramref name="type"/> and everything it is made of. Returns <see langword="null"/> when it can cross,
    /// otherwise the innermost problem. Adds the formatters to register to <paramref name="registrations"/>.
    /// </summary>
    public static TypeProblem? Walk(ITypeSymbol type, ICollection<FormatterRegistration>? registrations) =>
        new Walker(registrations).Walk(type, Display(type));

    private sealed class Walker(ICollection<FormatterRegistration>? registrations)
    {
        // Types being walked or already walked: a recursive [MemoryPackable] type (a tree node) is walked once.
        private readonly HashSet<ITypeSymbol> _seen = new(SymbolEqualityComparer.IncludeNullability);

        public TypeProblem? Walk(ITypeSymbol type, string path)
        {
            switch (type)
            {
                case IErrorTypeSymbol:
                    return null; // The compiler reports it.
                case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                    return new TypeProblem(type, path, "a pointer cannot leave this process");
                case IDynamicTypeSymbol:
                    return new TypeProblem(type, path, "a dynamic value has no type MemoryPack could write");
                case ITypeParameterSymbol:
                    return new TypeProblem(type, path, "its type is not known until run time");
                case IArrayTypeSymbol array:
                    return WalkArray(array, path);
                case INamedTypeSymbol named:
                    return WalkNamed(named, path);
                default:
                    return new TypeProblem(type, path, "MemoryPack has no formatter for it");
            }
        }

        private TypeProblem? WalkArray(IArrayTypeSymbol array, string path)
        {
            string? multi = null;
            if (!array.IsSZArray && !MemoryPackTypes.MultiDimensionalArrays.TryGetValue(array.Rank, out multi))
            {
                return new TypeProblem(array, path, "MemoryPack serializes arrays of at most 4 dimensions");
            }

            if (Walk(array.ElementType, path + "[]") is { } bad)
            {
                return bad;
            }

            if (multi is not null)
            {
                Register(array, $"{Formatters}{multi}<{Name(array.ElementType)}>");
            }
            else if (!IsPrimitive(array.ElementType))
            {
                string formatter = array.ElementType.IsUnmanagedType ? "DangerousUnmanagedArrayFormatter" : "ArrayFormatter";
                Register(array, $"{Formatters}{formatter}<{Name(array.ElementType)}>");
            }

            return null;
        }

        private TypeProblem? WalkNamed(INamedTypeSymbol type, string path)
        {
            if (type.IsRefLikeType)
            {
                return new TypeProblem(type, path, "a stack-only type cannot leave this process");
            }

            if (type.TypeKind == TypeKind.Delegate || type.SpecialType is SpecialType.System_Delegate or SpecialType.System_MulticastDelegate)
            {
                return new TypeProblem(type, path, "a delegate is code in this process, not data");
            }

            if (type.SpecialType is SpecialType.System_Object or SpecialType.System_Array)
            {
                return new TypeProblem(type, path, "an object of unknown type cannot be deserialized; use a concrete type or a [MemoryPackUnion]");
            }

            string definition = MetadataName(type.OriginalDefinition);
            if (IsPrimitive(type))
            {
                return null;
            }

            if (MemoryPackTypes.Rejected.TryGetValue(definition, out string? rejected))
            {
                return new TypeProblem(type, path, rejected);
            }

            if (MemoryPackTypes.NonGeneric.Contains(definition))
            {
                if (MemoryPackTypes.Replaced.TryGetValue(definition, out string? replacement))
                {
                    registrations?.Add(new FormatterRegistration(Name(type), replacement, Replaces: true));
                }

                return null;
            }

            if (CrossProcessFormatter(type) is { } crossProcess)
            {
                // A queue, lock or shared array: only its handle crosses; its item type must cross too.
                if (WalkArguments(type, path) is { } bad)
                {
                    return bad;
                }

                Register(type, crossProcess);
                return null;
            }

            if (type.HasAttribute(KnownNames.MemoryPackableAttribute) || type.HasAttribute(KnownNames.MemoryPackUnionAttribute))
            {
                return _seen.Add(type) ? MemoryPackableRules.Walk(type, path, Walk, RegisterPackable) : null;
            }

            if (type.TypeKind == TypeKind.Enum)
            {
                registrations?.Add(Unmanaged(type));
                return null;
            }

            if (MemoryPackTypes.Generic.TryGetValue(definition, out string? formatter))
            {
                if (WalkArguments(type, path) is { } bad)
                {
                    return bad;
                }

                // MemoryPack copies unmanaged values as raw memory, tuples and key/value pairs included.
                registrations?.Add(type.IsUnmanagedType && type.IsValueType
                    ? Unmanaged(type)
                    : new FormatterRegistration(Name(type), $"{Formatters}{formatter}<{string.Join(", ", type.TypeArguments.Select(Name))}>"));
                return null;
            }

            if (type.TypeKind == TypeKind.Struct && type.IsUnmanagedType)
            {
                registrations?.Add(Unmanaged(type));
                return null;
            }

            string reason = (type.DeclaringSyntaxReferences.IsEmpty, type.TypeKind == TypeKind.Interface || type.IsAbstract) switch
            {
                (true, _) => "MemoryPack has no formatter for it",
                (false, true) => "an interface or abstract type needs [MemoryPackable] and [MemoryPackUnion] attributes that name its implementations",
                (false, false) => "it is not [MemoryPackable] (add [MemoryPackable] and make it partial)",
            };
            return new TypeProblem(type, path, reason);
        }

        /// <summary>Registers a <c>[MemoryPackable]</c> type, which has its formatter generated by MemoryPack.</summary>
        public void RegisterPackable(INamedTypeSymbol type) => registrations?.Add(new FormatterRegistration(Name(type), ""));

        private TypeProblem? WalkArguments(INamedTypeSymbol type, string path)
        {
            bool isTuple = type.IsTupleType || MetadataName(type.OriginalDefinition).StartsWith("System.Tuple`", System.StringComparison.Ordinal);
            for (int i = 0; i < type.TypeArguments.Length; i++)
            {
                string step = type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? ""
                    : isTuple ? $".Item{i + 1}"
                    : type.TypeArguments.Length == 1 ? "[]"
                    : type.OriginalDefinition.TypeParameters[i].Name switch
                    {
                        "TKey" => "[key]",
                        "TValue" => "[value]",
                        "TElement" => "[]",
                        "TPriority" => "[priority]",
                        var other => $"<{other}>",
                    };
                if (Walk(type.TypeArguments[i], path + step) is { } bad)
                {
                    return bad;
                }
            }

            return null;
        }

        private void Register(ITypeSymbol type, string formatter) => registrations?.Add(new FormatterRegistration(Name(type), formatter));
    }

    /// <summary>Gets a short readable name for the start of a path, e.g. <c>Order</c> or <c>List&lt;Order&gt;</c>.</summary>
    public static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static FormatterRegistration Unmanaged(ITypeSymbol type) =>
        new(Name(type), $"{Formatters}DangerousUnmanagedFormatter<{Name(type)}>");

    /// <summary>Gets the formatter of a ParallelGen shared object (a queue, lock, shared array), or null for other types.</summary>
    public static string? CrossProcessFormatter(INamedTypeSymbol type)
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
        definition.ContainingNamespace is null || definition.ContainingNamespace.IsGlobalNamespace
            ? definition.MetadataName
            : $"{definition.ContainingNamespace.ToDisplayString()}.{definition.MetadataName}";
}
