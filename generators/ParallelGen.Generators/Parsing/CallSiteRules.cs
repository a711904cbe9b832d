using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using ParallelGen.CallShapes;

namespace ParallelGen.Generators.Parsing;

/// <summary>Why a call to a call-shape method is not routed to a worker; each but <see cref="InvalidTask"/> has a diagnostic.</summary>
internal enum CallProblem
{
    None,
    Lambda,
    LocalFunction,
    InstanceMethod,
    NotATask,
    DelegateValue,
    NotOneMethod,
    TaskWithoutGenerator,
    ExtensionReceiver,
    NotInterceptable,
    UnknownShape,

    /// <summary>The task breaks a declaration rule; the declaration analyzer reports it at the method.</summary>
    InvalidTask,
}

/// <summary>The verdict on one bound call: the task to route it to, or the problem that keeps it from being routed.</summary>
/// <remarks>Lives only inside one parse or analysis step; the generator turns it into a <c>CallSiteModel</c> at once.</remarks>
internal sealed class CallSiteVerdict
{
    public CallSiteVerdict(CallShape shape, IMethodSymbol target, CallProblem problem, SyntaxNode where, IMethodSymbol? task = null, InterceptableLocation? location = null)
    {
        Shape = shape;
        Target = target;
        Problem = problem;
        Where = where;
        Task = task;
        Location = location;
    }

    public CallShape Shape { get; }

    /// <summary>Gets the call-shape method, constructed.</summary>
    public IMethodSymbol Target { get; }

    public CallProblem Problem { get; }

    /// <summary>Gets where a diagnostic belongs: the task argument.</summary>
    public SyntaxNode Where { get; }

    /// <summary>Gets the task method (<see cref="CallProblem.None"/>), or the method named when that is the problem.</summary>
    public IMethodSymbol? Task { get; }

    public InterceptableLocation? Location { get; }
}

/// <summary>
/// The one predicate that decides whether a call is routed to a worker: the generator intercepts exactly the calls it
/// accepts, and the analyzer reports every call it rejects, so a call that builds is always routed.
/// </summary>
internal static class CallSiteRules
{
    /// <summary>The syntax-only filter: an invocation of a method named like a call shape (<c>Map</c>, <c>Apply</c>, ...).</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken cancellationToken) =>
        node is InvocationExpressionSyntax { ArgumentList.Arguments.Count: > 0 } invocation
        && MethodName(invocation.Expression) is { } name
        && CallShapeTable.IsShapeName(name);

    /// <summary>Gets the name a call names, as in <c>pool.Map</c>, <c>Map</c>, <c>pool?.Map</c> or <c>Map&lt;int, int&gt;</c>.</summary>
    public static string? MethodName(ExpressionSyntax callee) => callee switch
    {
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        _ => null,
    };

    /// <summary>Gets the call shape of <paramref name="method"/>, or null if it is not a <c>[ProcessTaskCall]</c> method.</summary>
    public static CallShape? ShapeOf(IMethodSymbol method)
    {
        IMethodSymbol definition = method.OriginalDefinition;
        if (!CallShapeTable.IsShapeName(definition.Name) || !definition.HasAttribute(KnownNames.ProcessTaskCallAttribute))
        {
            return null;
        }

        return CallShapeTable.Find(definition.ContainingType.ToDisplayString(), definition.Name)
            ?? new CallShape(definition.ContainingType.ToDisplayString(), definition.Name, definition.IsStatic, ArgumentStyle.Arguments, 0, 0, false, "");
    }

    /// <summary>Judges a bound call; null when it does not call a call-shape method.</summary>
    public static CallSiteVerdict? Check(IInvocationOperation invocation, CancellationToken cancellationToken)
    {
        if (ShapeOf(invocation.TargetMethod) is not { } shape || invocation.Syntax is not InvocationExpressionSyntax syntax)
        {
            return null;
        }

        IArgumentOperation? argument = null;
        foreach (IArgumentOperation candidate in invocation.Arguments)
        {
            if (candidate.Parameter?.Ordinal == 0)
            {
                argument = candidate;
            }
        }

        if (argument is null)
        {
            return null;
        }

        SyntaxNode where = argument.Syntax;
        CallSiteVerdict Fail(CallProblem problem, IMethodSymbol? method = null) => new(shape, invocation.TargetMethod, problem, where, method);

        if (CallShapeTable.Find(shape.TypeName, shape.MethodName) is null)
        {
            return Fail(CallProblem.UnknownShape);
        }

        // Casts and `new Func<...>(...)` around a method group are harmless: look through them to the method named.
        IOperation value = argument.Value;
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        if (value is IDelegateCreationOperation { Target: IDelegateCreationOperation inner })
        {
            value = inner;
        }

        if (value is IConditionalOperation or ISwitchExpressionOperation or ICoalesceOperation)
        {
            return Fail(CallProblem.NotOneMethod);
        }

        if (value is not IDelegateCreationOperation creation)
        {
            return Fail(CallProblem.DelegateValue);
        }

        if (creation.Target is IAnonymousFunctionOperation)
        {
            return Fail(CallProblem.Lambda);
        }

        if (creation.Target is not IMethodReferenceOperation { Method: { } method } reference)
        {
            return Fail(CallProblem.DelegateValue);
        }

        if (method.MethodKind == MethodKind.LocalFunction)
        {
            return Fail(CallProblem.LocalFunction, method);
        }

        if (method.MethodKind == MethodKind.ReducedExtension || (reference.Instance is not null && method.IsStatic))
        {
            return Fail(CallProblem.ExtensionReceiver, method.ReducedFrom ?? method);
        }

        if (!method.IsStatic)
        {
            return Fail(CallProblem.InstanceMethod, method);
        }

        if (!method.HasAttribute(KnownNames.ProcessTaskAttribute))
        {
            return Fail(CallProblem.NotATask, method);
        }

        if (!TaskRules.IsValid(method))
        {
            return Fail(CallProblem.InvalidTask, method);
        }

        Compilation compilation = invocation.SemanticModel!.Compilation;
        if (!SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, compilation.Assembly) && !HasDescriptor(method))
        {
            return Fail(CallProblem.TaskWithoutGenerator, method);
        }

        if (invocation.SemanticModel.GetInterceptableLocation(syntax, cancellationToken) is not { } location)
        {
            return Fail(CallProblem.NotInterceptable, method);
        }

        return new CallSiteVerdict(shape, invocation.TargetMethod, CallProblem.None, where, method, location);
    }

    /// <summary>Whether the task's assembly holds its generated descriptor field (it was built with the generator).</summary>
    private static bool HasDescriptor(IMethodSymbol task)
    {
        Model.DescriptorRef descriptor = TaskNaming.Descriptor(task);
        return task.ContainingAssembly.GetTypeByMetadataName(descriptor.MetadataName) is { } type
            && !type.GetMembers(descriptor.FieldName).IsEmpty;
    }
}
