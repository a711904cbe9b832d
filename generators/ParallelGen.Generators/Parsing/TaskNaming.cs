using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>Names and identities of a task's generated code; the same rules apply in the declaring assembly and at call sites elsewhere.</summary>
internal static class TaskNaming
{
    public const string DescriptorSuffix = "ProcessTasks";

    /// <summary>Gets where the descriptor of <paramref name="method"/> lives.</summary>
    public static DescriptorRef Descriptor(IMethodSymbol method)
    {
        INamedTypeSymbol type = method.ContainingType;
        string ns = type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString();
        string className = string.Join("_", ContainingTypes(type).Select(t => t.Name)) + DescriptorSuffix;
        return new DescriptorRef(ns, className, FieldName(method), IsEffectivelyPublic(method));
    }

    /// <summary>Gets the method's name, with its parameter types appended when several tasks of the type share the name.</summary>
    public static string FieldName(IMethodSymbol method)
    {
        bool overloaded = method.ContainingType.GetMembers(method.Name)
            .OfType<IMethodSymbol>()
            .Count(m => m.HasAttribute(KnownNames.ProcessTaskAttribute)) > 1;
        if (!overloaded)
        {
            return method.Name;
        }

        StringBuilder name = new(method.Name);
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            name.Append('_').Append(Sanitize(parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
        }

        return name.ToString();
    }

    /// <summary>Gets the task's wire identity: FNV-1a-64 of <c>assembly|documentation id</c>, stable across builds.</summary>
    public static ulong Id(IMethodSymbol method)
    {
        string key = method.ContainingAssembly.Name + "|" + method.GetDocumentationCommentId();
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        return hash;
    }

    /// <summary>Makes <paramref name="text"/> a valid identifier fragment.</summary>
    public static string Sanitize(string text)
    {
        StringBuilder result = new(text.Length);
        foreach (char c in text)
        {
            result.Append(char.IsLetterOrDigit(c) ? c : '_');
        }

        return result.ToString();
    }

    private static bool IsEffectivelyPublic(IMethodSymbol method)
    {
        if (method.DeclaredAccessibility != Accessibility.Public)
        {
            return false;
        }

        return ContainingTypes(method.ContainingType).All(t => t.DeclaredAccessibility == Accessibility.Public);
    }

    private static INamedTypeSymbol[] ContainingTypes(INamedTypeSymbol type)
    {
        System.Collections.Generic.List<INamedTypeSymbol> types = [];
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            types.Insert(0, current);
        }

        return [.. types];
    }
}
