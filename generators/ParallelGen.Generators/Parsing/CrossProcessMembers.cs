using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>
/// Finds the ParallelGen types (queues, pipe ends, manager proxies) that a <c>[MemoryPackable]</c> type carries in its
/// members, at any depth, so that their formatters are registered too: MemoryPack's generated code looks them up at
/// run time, which under Native AOT finds only what was registered.
/// </summary>
internal static class CrossProcessMembers
{
    // The types whose members are being looked at further up this thread's walk: a type that carries itself through
    // a queue (record Node(ProcessQueue<Node> Next)) would otherwise be walked forever.
    [ThreadStatic]
    private static HashSet<ITypeSymbol>? t_active;

    /// <summary>Adds to <paramref name="registrations"/> what the members of <paramref name="type"/> that lead to a cross-process type need.</summary>
    public static void Register(INamedTypeSymbol type, ICollection<FormatterRegistration> registrations)
    {
        HashSet<ITypeSymbol> active = t_active ??= new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        if (!active.Add(type))
        {
            return;
        }

        try
        {
            foreach (ITypeSymbol member in MemberTypes(type))
            {
                if (Carries(member, active))
                {
                    CrossProcessTypes.Walk(member, registrations);
                }
            }
        }
        finally
        {
            active.Remove(type);
        }
    }

    private static bool Carries(ITypeSymbol type, HashSet<ITypeSymbol> active)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return Carries(array.ElementType, active);
            case INamedTypeSymbol named:
                if (named.OriginalDefinition.HasAttribute(KnownNames.CrossProcessTypeAttribute))
                {
                    return true;
                }

                foreach (ITypeSymbol argument in named.TypeArguments)
                {
                    if (Carries(argument, active))
                    {
                        return true;
                    }
                }

                if (!named.HasAttribute(KnownNames.MemoryPackableAttribute) || !active.Add(named))
                {
                    return false;
                }

                try
                {
                    foreach (ITypeSymbol member in MemberTypes(named))
                    {
                        if (Carries(member, active))
                        {
                            return true;
                        }
                    }

                    return false;
                }
                finally
                {
                    active.Remove(named);
                }

            default:
                return false;
        }
    }

    private static IEnumerable<ITypeSymbol> MemberTypes(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsStatic || member.IsImplicitlyDeclared && member is not IPropertySymbol)
            {
                continue;
            }

            switch (member)
            {
                case IFieldSymbol { AssociatedSymbol: null } field:
                    yield return field.Type;
                    break;
                case IPropertySymbol { IsIndexer: false } property:
                    yield return property.Type;
                    break;
            }
        }
    }
}
