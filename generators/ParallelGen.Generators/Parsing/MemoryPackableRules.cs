using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ParallelGen.Generators.Parsing;

/// <summary>
/// What MemoryPack's generator does with a <c>[MemoryPackable]</c> type: whether it generates a formatter at all, and
/// which members it serializes (public fields and properties with a getter, base types' included, <c>[MemoryPackInclude]</c>
/// added, <c>[MemoryPackIgnore]</c> left out), so that the walk checks exactly what will be written.
/// </summary>
internal static class MemoryPackableRules
{
    // MemoryPack.GenerateType: Object, VersionTolerant, CircularReference, Collection, NoGenerate.
    private const int GenerateCollection = 3;
    private const int GenerateNothing = 4;

    /// <summary>Checks a <c>[MemoryPackable]</c> (or union) type and walks its members with <paramref name="walk"/>.</summary>
    public static TypeProblem? Walk(INamedTypeSymbol type, string path, Func<ITypeSymbol, string, TypeProblem?> walk, Action<INamedTypeSymbol> register)
    {
        AttributeData? packable = type.GetAttributes().FirstOrDefault(a => a.Is(KnownNames.MemoryPackableAttribute));
        int generate = packable?.ConstructorArguments.FirstOrDefault(a => a.Type?.Name == "GenerateType").Value is int value ? value : 0;
        if (packable is null)
        {
            return new TypeProblem(type, path, "a [MemoryPackUnion] type needs [MemoryPackable] too");
        }

        if (generate == GenerateNothing)
        {
            return null; // GenerateType.NoGenerate: the application registers its own formatter.
        }

        if (NotPartial(type) is { } outer)
        {
            return new TypeProblem(type, path, $"MemoryPack generates nothing for it: '{outer.Name}' must be declared partial");
        }

        if (type.DeclaringSyntaxReferences.IsEmpty && !type.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == "MemoryPack.IMemoryPackable<T>"))
        {
            return new TypeProblem(type, path, "its assembly was built without MemoryPack's generator, so it has no formatter");
        }

        bool isUnion = type.HasAttribute(KnownNames.MemoryPackUnionAttribute);
        if ((type.IsAbstract || type.TypeKind == TypeKind.Interface) && !isUnion)
        {
            return new TypeProblem(type, path, "an abstract [MemoryPackable] type needs [MemoryPackUnion] attributes that name its implementations");
        }

        register(type);
        if (isUnion)
        {
            foreach (AttributeData union in type.GetAttributes().Where(a => a.Is(KnownNames.MemoryPackUnionAttribute)))
            {
                if (union.ConstructorArguments.Length == 2 && union.ConstructorArguments[1].Value is INamedTypeSymbol member
                    && walk(member, $"{path}({member.Name})") is { } bad)
                {
                    return bad;
                }
            }

            return null;
        }

        if (generate == GenerateCollection)
        {
            return null; // A custom collection: MemoryPack serializes its elements through ICollection<T>.
        }

        foreach ((ISymbol member, ITypeSymbol memberType) in Members(type))
        {
            string memberPath = $"{path}.{member.Name}";
            if (HasCustomFormatter(member))
            {
                // [MemoryPackAllowSerialize] on a shared object: MemoryPack looks its formatter up at run time, which
                // under Native AOT finds only what was registered, so walk it like any argument.
                if (member.HasAttribute(KnownNames.MemoryPackAllowSerializeAttribute) && memberType is INamedTypeSymbol shared
                    && CrossProcessTypes.CrossProcessFormatter(shared) is not null && walk(memberType, memberPath) is { } problem)
                {
                    return problem;
                }

                continue;
            }

            if (memberType is INamedTypeSymbol named && CrossProcessTypes.CrossProcessFormatter(named) is not null
                && !member.HasAttribute(KnownNames.MemoryPackAllowSerializeAttribute) && !IsEnumerable(named))
            {
                // MemoryPack's generator rejects a member of a type it does not know unless the member says it may.
                return new TypeProblem(memberType, memberPath, "MemoryPack serializes a shared object held in a member only if the member is marked [MemoryPackAllowSerialize]");
            }

            if (walk(memberType, memberPath) is { } bad)
            {
                return bad;
            }
        }

        return null;
    }

    /// <summary>The members MemoryPack serializes: the most derived of each name, base types' included.</summary>
    private static IEnumerable<(ISymbol Member, ITypeSymbol Type)> Members(INamedTypeSymbol type)
    {
        HashSet<string> names = [];
        for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers())
            {
                if (member is not (IFieldSymbol or IPropertySymbol) || member.IsStatic || member.IsImplicitlyDeclared || !member.CanBeReferencedByName
                    || !names.Add(member.Name) || member.HasAttribute(KnownNames.MemoryPackIgnoreAttribute)
                    || (member.DeclaredAccessibility != Accessibility.Public && !member.HasAttribute(KnownNames.MemoryPackIncludeAttribute)))
                {
                    continue;
                }

                if (member is IPropertySymbol property)
                {
                    if (property.IsIndexer || (property.GetMethod is null && property.SetMethod is not null))
                    {
                        continue;
                    }

                    yield return (member, property.Type);
                }
                else
                {
                    yield return (member, ((IFieldSymbol)member).Type);
                }
            }
        }
    }

    private static bool HasCustomFormatter(ISymbol member) =>
        member.HasAttribute(KnownNames.MemoryPackAllowSerializeAttribute)
        || member.GetAttributes().Any(a => BaseTypes(a.AttributeClass).Any(t => t.OriginalDefinition.ToDisplayString().StartsWith("MemoryPack.MemoryPackCustomFormatterAttribute<", StringComparison.Ordinal)));

    private static IEnumerable<INamedTypeSymbol> BaseTypes(INamedTypeSymbol? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            yield return type;
        }
    }

    private static bool IsEnumerable(INamedTypeSymbol type) =>
        type.AllInterfaces.Any(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);

    /// <summary>Gets the type (itself, or one it is nested in) declared in source without <c>partial</c>, or null.</summary>
    private static INamedTypeSymbol? NotPartial(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            foreach (SyntaxReference reference in current.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return current;
                }
            }
        }

        return null;
    }
}
