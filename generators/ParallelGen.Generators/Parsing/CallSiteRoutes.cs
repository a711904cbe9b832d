using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ParallelGen.CallShapes;

namespace ParallelGen.Generators.Parsing;

/// <summary>A call routed without binding it: the task, the call shape and the overload's definition.</summary>
internal sealed class SyntaxRoute
{
    public SyntaxRoute(IMethodSymbol task, CallShape shape, IMethodSymbol overload, IMethodSymbol constructed, InterceptableLocation location)
    {
        Task = task;
        Shape = shape;
        Overload = overload;
        Constructed = constructed;
        Location = location;
    }

    public IMethodSymbol Task { get; }

    public CallShape Shape { get; }

    /// <summary>Gets the overload's definition, generic over the task's parameter and result types.</summary>
    public IMethodSymbol Overload { get; }

    /// <summary>Gets the overload constructed over the task's own types: what the descriptor's types are.</summary>
    public IMethodSymbol Constructed { get; }

    public InterceptableLocation Location { get; }
}

/// <summary>
/// Routes the common call, <c>pool.Map(Work.Square, data)</c>, from its syntax and two small lookups (the receiver's
/// type and the method group), without binding the call: overload resolution against the typed overloads is the
/// dearest part of a build, and the compiler does it anyway. The overload is the one the task's return kind, token
/// and arity select (the priorities of the typed overloads make it the compiler's choice too), and the interceptor is
/// generic over its type parameters, so the types inferred at the call need not be known. Anything less plain
/// (explicit type arguments, casts, an overloaded task, <c>using static</c>) returns null and goes through
/// <see cref="CallSiteRules.Check"/> on the bound call instead.
/// </summary>
internal static class CallSiteRoutes
{
    public static SyntaxRoute? TryRoute(InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
    {
        ExpressionSyntax? receiver = invocation.Expression switch
        {
            MemberAccessExpressionSyntax { Name: IdentifierNameSyntax } member => member.Expression,
            MemberBindingExpressionSyntax { Name: IdentifierNameSyntax } when invocation.Parent is ConditionalAccessExpressionSyntax access && access.WhenNotNull == invocation => access.Expression,
            _ => null,
        };
        if (receiver is null || CallSiteRules.MethodName(invocation.Expression) is not { } name || TaskArgument(invocation) is not { } taskArgument)
        {
            return null;
        }

        ExpressionSyntax taskExpression = taskArgument.Expression;
        while (taskExpression is ParenthesizedExpressionSyntax parenthesized)
        {
            taskExpression = parenthesized.Expression;
        }

        if (taskExpression is not (IdentifierNameSyntax or MemberAccessExpressionSyntax { Name: IdentifierNameSyntax }))
        {
            return null;
        }

        // The receiver: a type for WorkerProcess.Start and PoolInitializer.Create, a value for the pool.
        int position = receiver.SpanStart;
        SymbolInfo receiverSymbol = model.GetSpeculativeSymbolInfo(position, receiver, SpeculativeBindingOption.BindAsExpression);
        INamedTypeSymbol? type = receiverSymbol.Symbol as INamedTypeSymbol
            ?? model.GetSpeculativeTypeInfo(position, receiver, SpeculativeBindingOption.BindAsExpression).Type as INamedTypeSymbol;
        if (type is null || CallShapeTable.Find($"{type.ContainingNamespace?.ToDisplayString()}.{type.MetadataName}", name) is not { } shape || shape.IsStatic != receiverSymbol.Symbol is INamedTypeSymbol)
        {
            return null;
        }

        SymbolInfo taskSymbol = model.GetSpeculativeSymbolInfo(taskExpression.SpanStart, taskExpression, SpeculativeBindingOption.BindAsExpression);
        IMethodSymbol[] methods = [.. (taskSymbol.Symbol is { } symbol ? [symbol] : taskSymbol.CandidateSymbols).OfType<IMethodSymbol>()];
        if (methods.Length != 1 || methods[0] is not { MethodKind: MethodKind.Ordinary, IsStatic: true } task
            || !task.HasAttribute(KnownNames.ProcessTaskAttribute)
            || !TaskRules.IsValid(task)
            || (!SymbolEqualityComparer.Default.Equals(task.ContainingAssembly, model.Compilation.Assembly) && !CallSiteRules.HasDescriptor(task)))
        {
            return null;
        }

        ITypeSymbol[] crossing = [.. task.Parameters.Where(p => !p.Type.IsCancellationToken()).Select(p => p.Type)];
        if (shape.Style == ArgumentStyle.Arguments && GivenArguments(invocation) != crossing.Length)
        {
            return null; // It does not bind; the analyzer says why.
        }

        if (Overload(type, name, task, crossing.Length) is not { } overload
            || model.GetInterceptableLocation(invocation, cancellationToken) is not { } location)
        {
            return null;
        }

        ITypeSymbol? result = TaskRules.ResultType(task);
        ITypeSymbol[] typeArguments = result is null ? crossing : [.. crossing, result];
        if (typeArguments.Length != overload.TypeParameters.Length)
        {
            return null;
        }

        return new SyntaxRoute(task, shape, overload, overload.Arity == 0 ? overload : overload.Construct(typeArguments), location);
    }

    /// <summary>Finds the typed overload a task selects: the delegate of its return kind, token and arity.</summary>
    public static IMethodSymbol? Overload(INamedTypeSymbol type, string name, IMethodSymbol task, int arity)
    {
        foreach (IMethodSymbol candidate in type.GetMembers(name).OfType<IMethodSymbol>())
        {
            if (candidate.Parameters.Length > 0
                && candidate.HasAttribute(KnownNames.ProcessTaskCallAttribute)
                && candidate.Parameters[0].Type is INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
                && Fits(invoke, task, arity))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool Fits(IMethodSymbol invoke, IMethodSymbol task, int arity)
    {
        bool takesToken = task.Parameters.Length > 0 && task.Parameters[task.Parameters.Length - 1].Type.IsCancellationToken();
        if (invoke.Parameters.Length != arity + (takesToken ? 1 : 0)
            || (takesToken && !invoke.Parameters[arity].Type.IsCancellationToken())
            || (!takesToken && arity > 0 && invoke.Parameters[arity - 1].Type.IsCancellationToken()))
        {
            return false;
        }

        // The return: void, TResult, or Task / ValueTask with or without TResult, as the task's.
        ITypeSymbol returns = invoke.ReturnType;
        if (task.ReturnsVoid || invoke.ReturnsVoid)
        {
            return task.ReturnsVoid && invoke.ReturnsVoid;
        }

        bool taskIsAsync = task.ReturnType is INamedTypeSymbol named && TaskRules.IsTaskLike(named);
        bool overloadIsAsync = returns is INamedTypeSymbol wrapper && TaskRules.IsTaskLike(wrapper);
        if (!taskIsAsync || !overloadIsAsync)
        {
            return !taskIsAsync && !overloadIsAsync && returns is ITypeParameterSymbol;
        }

        INamedTypeSymbol taskReturn = (INamedTypeSymbol)task.ReturnType;
        INamedTypeSymbol overloadReturn = (INamedTypeSymbol)returns;
        return taskReturn.Name == overloadReturn.Name && taskReturn.Arity == overloadReturn.Arity;
    }

    /// <summary>Gets the argument that passes the task: named <c>task:</c>, or the first positional one.</summary>
    public static ArgumentSyntax? TaskArgument(InvocationExpressionSyntax invocation) =>
        invocation.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == CallShapeTable.TaskParameter)
        ?? invocation.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon is null);

    private static int GivenArguments(InvocationExpressionSyntax invocation) =>
        invocation.ArgumentList.Arguments.Where(a => a.NameColon is null).Skip(1).Count()
        + invocation.ArgumentList.Arguments.Count(a => a.NameColon is { } n && CallShapeTable.IsArgumentParameter(n.Name.Identifier.ValueText));
}
