namespace ParallelGen.Generators.Model;

/// <summary>What the dispatch table needs to know about the compilation itself.</summary>
/// <remarks>Holds no symbols or syntax.</remarks>
/// <param name="AssemblyName">The assembly's name.</param>
/// <param name="TableClassName">The dispatch table class, e.g. <c>DispatchTable_Demo_App</c>.</param>
/// <param name="IsExecutable">Whether the compilation is an executable, which registers every referenced table at start-up.</param>
/// <param name="ReferencedTables">The dispatch tables of referenced assemblies, fully qualified, sorted.</param>
internal sealed record AssemblyModel(string AssemblyName, string TableClassName, bool IsExecutable, EquatableArray<string> ReferencedTables);
