using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ParallelGen.Generators.Parsing;

namespace ParallelGen.Generators.Diagnostics;

/// <summary>Reports <c>[ProcessTask]</c> declarations that cannot run in a worker process (PG0001–PG0099).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.TaskNotStatic,
        DiagnosticDescriptors.TaskGeneric,
        DiagnosticDescriptors.ParameterByReference,
        DiagnosticDescriptors.StackOnlyType,
        DiagnosticDescriptors.NotSerializable,
        DiagnosticDescriptors.TaskNotAccessible,
        DiagnosticDescriptors.TooManyParameters,
        DiagnosticDescriptors.MisplacedCancellationToken,
        DiagnosticDescriptors.NegativeRetries,
        DiagnosticDescriptors.AsyncVoidTask,
    ];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(Analyze, SymbolKind.Method);
    }

    private static void Analyze(SymbolAnalysisContext context)
    {
        IMethodSymbol method = (IMethodSymbol)context.Symbol;
        if (!method.HasAttribute(KnownNames.ProcessTaskAttribute))
        {
            return;
        }

        foreach (TaskProblem problem in TaskRules.Check(method))
        {
            Location location = problem.Symbol.Locations.Length > 0 ? problem.Symbol.Locations[0] : Location.None;
            context.ReportDiagnostic(Diagnostic.Create(Descriptor(problem.Rule), location, problem.Arguments));
        }
    }

    private static DiagnosticDescriptor Descriptor(TaskRule rule) => rule switch
    {
        TaskRule.NotStatic => DiagnosticDescriptors.TaskNotStatic,
        TaskRule.Generic => DiagnosticDescriptors.TaskGeneric,
        TaskRule.ByReference => DiagnosticDescriptors.ParameterByReference,
        TaskRule.StackOnlyType => DiagnosticDescriptors.StackOnlyType,
        TaskRule.NotSerializable => DiagnosticDescriptors.NotSerializable,
        TaskRule.NotAccessible => DiagnosticDescriptors.TaskNotAccessible,
        TaskRule.TooManyParameters => DiagnosticDescriptors.TooManyParameters,
        TaskRule.NegativeRetries => DiagnosticDescriptors.NegativeRetries,
        TaskRule.AsyncVoid => DiagnosticDescriptors.AsyncVoidTask,
        _ => DiagnosticDescriptors.MisplacedCancellationToken,
    };
}
