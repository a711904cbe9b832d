using System.Linq;

namespace ParallelGen.Generators.Model;

/// <summary>A valid <c>[ProcessTask]</c> method, as the emitters need it.</summary>
/// <remarks>Models hold no symbols, syntax nodes, semantic models, compilations or locations: only strings, bools, enums and equatable arrays.</remarks>
/// <param name="Descriptor">Where the task's descriptor field lives.</param>
/// <param name="ContainingType">The declaring type, fully qualified with <c>global::</c>.</param>
/// <param name="MethodName">The method's name.</param>
/// <param name="DisplayName">A readable name such as <c>Demo.Work.Add(int, long)</c>.</param>
/// <param name="Id">The wire identity: FNV-1a-64 of the assembly name and the method's documentation id.</param>
/// <param name="Parameters">The parameters that cross the process boundary (a trailing token excluded).</param>
/// <param name="ReturnKind">How the method returns.</param>
/// <param name="ResultType">The result type after awaiting, or <c>global::ParallelGen.Unit</c>.</param>
/// <param name="AcceptsCancellation">Whether the method takes a trailing <c>CancellationToken</c>.</param>
/// <param name="MaxRetries">The attribute's <c>MaxRetries</c>.</param>
/// <param name="Formatters">The MemoryPack formatters its parameter and result types need under Native AOT.</param>
internal sealed record TaskModel(
    DescriptorRef Descriptor,
    string ContainingType,
    string MethodName,
    string DisplayName,
    ulong Id,
    EquatableArray<ParameterModel> Parameters,
    ReturnKind ReturnKind,
    string ResultType,
    bool AcceptsCancellation,
    int MaxRetries,
    EquatableArray<FormatterRegistration> Formatters)
{
    /// <summary>Gets the descriptor's <c>TArgs</c>: the single parameter's type, a tuple of them, or <c>Unit</c>.</summary>
    public string ArgsType => Parameters.Count switch
    {
        0 => "global::ParallelGen.Unit",
        1 => Parameters[0].Type,
        _ => $"({string.Join(", ", Parameters.Select(p => p.Type))})",
    };

    /// <summary>Gets whether the worker awaits the method.</summary>
    public bool IsAsync => ReturnKind is ReturnKind.Task or ReturnKind.TaskOfT or ReturnKind.ValueTask or ReturnKind.ValueTaskOfT;
}

/// <summary>A parameter that crosses the process boundary.</summary>
/// <remarks>Holds no symbols or syntax.</remarks>
/// <param name="Name">The parameter's name.</param>
/// <param name="Type">Its type, fully qualified with <c>global::</c> and nullable annotations.</param>
internal sealed record ParameterModel(string Name, string Type);

/// <summary>How a task returns its result.</summary>
internal enum ReturnKind
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}
