using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using ParallelGen.CallShapes;
using ParallelGen.Generators.Parsing;

namespace ParallelGen.Generators.Diagnostics;

/// <summary>
/// Reports calls to the pool (and every other <c>[ProcessTaskCall]</c> method) that pass something other than a
/// static <c>[ProcessTask]</c> method, or arguments that do not fit the task (PG0100–PG0199). A call that binds is judged
/// by <see cref="CallSiteRules"/>, the predicate the generator intercepts by; one that does not bind by
/// <see cref="UnboundCallAnalysis"/>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CallSiteAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.LambdaPassed,
        DiagnosticDescriptors.LocalFunctionPassed,
        DiagnosticDescriptors.InstanceMethodPassed,
        DiagnosticDescriptors.NotAProcessTask,
        DiagnosticDescriptors.DelegateValuePassed,
        DiagnosticDescriptors.WrongArgumentCount,
        DiagnosticDescriptors.WrongArgumentType,
        DiagnosticDescriptors.TaskWithoutGenerator,
        DiagnosticDescriptors.ExtensionReceiverPassed,
        DiagnosticDescriptors.CallShapeAsDelegate,
        DiagnosticDescriptors.HandMadeDescriptor,
        DiagnosticDescriptors.CallNotRouted,
        DiagnosticDescriptors.ArgumentNeedsType,
        DiagnosticDescriptors.TaskNotOneMethod,
        DiagnosticDescriptors.NoOverloadFits,
    ];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(AnalyzeInvocation, OperationKind.Invocation);
        context.RegisterOperationAction(AnalyzeMethodReference, OperationKind.MethodReference);
        context.RegisterSyntaxNodeAction(UnboundCallAnalysis.Analyze, SyntaxKind.InvocationExpression);
    }

    /// <summary>A call that bound: report whatever keeps <see cref="CallSiteRules"/> from routing it (the generator routes the rest).</summary>
    private static void AnalyzeInvocation(OperationAnalysisContext context)
    {
        IInvocationOperation invocation = (IInvocationOperation)context.Operation;
        if (IsDescriptorFactory(invocation.TargetMethod))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.HandMadeDescriptor, invocation.Syntax.GetLocation(), DescriptorFactoryName(invocation.TargetMethod)));
            return;
        }

        if (CallSiteRules.Check(invocation, context.CancellationToken) is not { } verdict)
        {
            return;
        }

        Location location = verdict.Where.GetLocation();
        string name = verdict.Task?.ToDisplayString(KnownNames.Readable) ?? "";
        Diagnostic? diagnostic = verdict.Problem switch
        {
            CallProblem.Lambda => Diagnostic.Create(DiagnosticDescriptors.LambdaPassed, location),
            CallProblem.LocalFunction => Diagnostic.Create(DiagnosticDescriptors.LocalFunctionPassed, location, verdict.Task!.Name),
            CallProblem.InstanceMethod => Diagnostic.Create(DiagnosticDescriptors.InstanceMethodPassed, location, name),
            CallProblem.NotATask => Diagnostic.Create(DiagnosticDescriptors.NotAProcessTask, location, name),
            CallProblem.DelegateValue => Diagnostic.Create(DiagnosticDescriptors.DelegateValuePassed, location),
            CallProblem.NotOneMethod => Diagnostic.Create(DiagnosticDescriptors.TaskNotOneMethod, location, verdict.Where.ToString()),
            CallProblem.TaskWithoutGenerator => Diagnostic.Create(DiagnosticDescriptors.TaskWithoutGenerator, location, name, verdict.Task!.ContainingAssembly.Name),
            CallProblem.ExtensionReceiver => Diagnostic.Create(DiagnosticDescriptors.ExtensionReceiverPassed, location, name, verdict.Task!.ContainingType.Name + "." + verdict.Task.Name),
            CallProblem.NotInterceptable => Diagnostic.Create(
                DiagnosticDescriptors.CallNotRouted, invocation.Syntax.GetLocation(), verdict.Target.ContainingType.Name + "." + verdict.Target.Name, "the compiler cannot intercept a call written this way"),
            CallProblem.UnknownShape => Diagnostic.Create(
                DiagnosticDescriptors.CallNotRouted, invocation.Syntax.GetLocation(), verdict.Target.ContainingType.Name + "." + verdict.Target.Name, "it is marked [ProcessTaskCall] but is not one of ParallelGen's own call shapes"),
            _ => null, // None is routed; InvalidTask is reported at the task's declaration.
        };
        if (diagnostic is not null)
        {
            context.ReportDiagnostic(diagnostic);
        }
    }

    /// <summary>A call-shape method or a descriptor factory named without being called: <c>var map = pool.Map&lt;int, int&gt;;</c>.</summary>
    private static void AnalyzeMethodReference(OperationAnalysisContext context)
    {
        IMethodReferenceOperation reference = (IMethodReferenceOperation)context.Operation;
        Location location = reference.Syntax.GetLocation();
        if (IsDescriptorFactory(reference.Method))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.HandMadeDescriptor, location, DescriptorFactoryName(reference.Method)));
        }
        else if (CallSiteRules.ShapeOf(reference.Method) is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CallShapeAsDelegate, location, reference.Method.ContainingType.Name + "." + reference.Method.Name));
        }
    }

    private static bool IsDescriptorFactory(IMethodSymbol method) =>
        method.Name is "Create" or "CreateAsync" && method.ContainingType?.ToDisplayString() == KnownNames.ProcessTaskType;

    private static string DescriptorFactoryName(IMethodSymbol method) => "ProcessTask." + method.Name;
}
