using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>Reads what the dispatch table needs from the compilation: its name, its kind, and the tables of its references.</summary>
internal static class AssemblyParser
{
    public static AssemblyModel Parse(Compilation compilation, CancellationToken cancellationToken)
    {
        string name = compilation.AssemblyName ?? "Assembly";
        bool isExecutable = compilation.Options.OutputKind is OutputKind.ConsoleApplication or OutputKind.WindowsApplication;
        List<string> referenced = [];
        if (isExecutable)
        {
            foreach (IAssemblySymbol assembly in compilation.SourceModule.ReferencedAssemblySymbols)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (AttributeData attribute in assembly.GetAttributes())
                {
                    if (attribute.Is(KnownNames.ProcessTaskAssemblyAttribute)
                        && attribute.ConstructorArguments.Length == 1
                        && attribute.ConstructorArguments[0].Value is INamedTypeSymbol table
                        && compilation.IsSymbolAccessibleWithin(table, compilation.Assembly))
                    {
                        referenced.Add(table.ToDisplayString(KnownNames.FullyQualified));
                    }
                }
            }
        }

        return new AssemblyModel(
            name,
            TableClassName(name),
            isExecutable,
            referenced.Distinct().OrderBy(t => t, System.StringComparer.Ordinal).ToEquatableArray());
    }

    /// <summary>Gets the dispatch table's class name for an assembly, e.g. <c>DispatchTable_Demo_App</c>.</summary>
    public static string TableClassName(string assemblyName) => "DispatchTable_" + TaskNaming.Sanitize(assemblyName);
}
