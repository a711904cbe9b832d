using Microsoft.CodeAnalysis;

namespace ParallelGen.Generators.Parsing;

/// <summary>Metadata names and display formats shared by the generator and the analyzers.</summary>
internal static class KnownNames
{
    public const string ProcessTaskAttribute = "ParallelGen.ProcessTaskAttribute";
    public const string ProcessTaskType = "ParallelGen.Dispatch.ProcessTask";
    public const string ProcessTaskCallAttribute = "ParallelGen.Dispatch.ProcessTaskCallAttribute";
    public const string ProcessTaskAssemblyAttribute = "ParallelGen.Dispatch.ProcessTaskAssemblyAttribute";
    public const string CrossProcessTypeAttribute = "ParallelGen.Dispatch.CrossProcessTypeAttribute";
    public const string MemoryPackableAttribute = "MemoryPack.MemoryPackableAttribute";
    public const string MemoryPackUnionAttribute = "MemoryPack.MemoryPackUnionAttribute";
    public const string MemoryPackIgnoreAttribute = "MemoryPack.MemoryPackIgnoreAttribute";
    public const string MemoryPackIncludeAttribute = "MemoryPack.MemoryPackIncludeAttribute";
    public const string MemoryPackAllowSerializeAttribute = "MemoryPack.MemoryPackAllowSerializeAttribute";
    public const string CancellationToken = "System.Threading.CancellationToken";

    /// <summary>The most parameters a task may take, a trailing token excluded (the runtime's overloads stop there).</summary>
    public const int MaxParameters = 8;

    /// <summary>Fully qualified with <c>global::</c>, keywords for special types, nullable reference annotations kept.</summary>
    public static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Short, readable names for messages: <c>Demo.Work.Add(int, long)</c>.</summary>
    public static readonly SymbolDisplayFormat Readable = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeContainingType,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    public static bool Is(this AttributeData attribute, string metadataName) =>
        attribute.AttributeClass?.ToDisplayString() == metadataName;

    public static bool HasAttribute(this ISymbol symbol, string metadataName)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (attribute.Is(metadataName))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsCancellationToken(this ITypeSymbol type) => type.ToDisplayString() == CancellationToken;
}
