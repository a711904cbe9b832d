using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>Turns a method marked <c>[ProcessTask]</c> into a <see cref="TaskModel"/>, or nothing if it breaks a rule (the analyzer reports it).</summary>
internal static class TaskParser
{
    private const string UnitType = "global::ParallelGen.Unit";

    public static TaskModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || !TaskRules.IsValid(method))
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        bool acceptsCancellation = method.Parameters.Length > 0 && method.Parameters[method.Parameters.Length - 1].Type.IsCancellationToken();
        IEnumerable<IParameterSymbol> crossing = acceptsCancellation ? method.Parameters.Take(method.Parameters.Length - 1) : method.Parameters;

        List<FormatterRegistration> formatters = [];
        List<ParameterModel> parameters = [];
        foreach (IParameterSymbol parameter in crossing)
        {
            parameters.Add(new ParameterModel(parameter.Name, parameter.Type.ToDisplayString(KnownNames.FullyQualified)));
            CrossProcessTypes.Walk(parameter.Type, formatters);
        }

        IParameterSymbol[] crossingParameters = [.. crossing];
        if (crossingParameters.Length >= 2)
        {
            // Several arguments travel as one value tuple, which needs its own formatter under Native AOT.
            INamedTypeSymbol tuple = context.SemanticModel.Compilation.CreateTupleTypeSymbol([.. crossingParameters.Select(p => p.Type)]);
            CrossProcessTypes.Walk(tuple, formatters);
        }

        ITypeSymbol? result = TaskRules.ResultType(method);
        if (result is not null)
        {
            CrossProcessTypes.Walk(result, formatters);
        }

        if (parameters.Count == 0 || result is null)
        {
            // No arguments or no result: Unit crosses instead, and Native AOT needs its formatter too.
            formatters.Add(new FormatterRegistration(UnitType, $"global::MemoryPack.Formatters.DangerousUnmanagedFormatter<{UnitType}>"));
        }

        return new TaskModel(
            TaskNaming.Descriptor(method),
            method.ContainingType.ToDisplayString(KnownNames.FullyQualified),
            method.Name,
            method.ToDisplayString(KnownNames.Readable),
            TaskNaming.Id(method),
            parameters.ToEquatableArray(),
            ReturnKindOf(method),
            result?.ToDisplayString(KnownNames.FullyQualified) ?? UnitType,
            acceptsCancellation,
            TaskRules.MaxRetries(method),
            formatters.Distinct().OrderBy(f => f.Type, System.StringComparer.Ordinal).ToEquatableArray());
    }

    private static ReturnKind ReturnKindOf(IMethodSymbol method)
    {
        if (method.ReturnsVoid)
        {
            return ReturnKind.Void;
        }

        if (method.ReturnType is not INamedTypeSymbol named || !TaskRules.IsTaskLike(named))
        {
            return ReturnKind.Value;
        }

        bool isValueTask = named.Name == "ValueTask";
        return (isValueTask, named.IsGenericType) switch
        {
            (false, false) => ReturnKind.Task,
            (false, true) => ReturnKind.TaskOfT,
            (true, false) => ReturnKind.ValueTask,
            (true, true) => ReturnKind.ValueTaskOfT,
        };
    }
}
