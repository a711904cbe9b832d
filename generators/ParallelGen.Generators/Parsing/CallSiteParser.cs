using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>Turns a call such as <c>pool.Map(Square, data)</c> that <see cref="CallSiteRules"/> accepts into a <see cref="CallSiteModel"/>.</summary>
internal static class CallSiteParser
{
    public static CallSiteModel? Parse(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (CallSiteRoutes.TryRoute((InvocationExpressionSyntax)context.Node, context.SemanticModel, cancellationToken) is { } route)
        {
            return FromRoute(route);
        }

        if (context.SemanticModel.GetOperation(context.Node, cancellationToken) is not IInvocationOperation invocation
            || CallSiteRules.Check(invocation, cancellationToken) is not { Problem: CallProblem.None, Task: { } task, Location: { } location } verdict)
        {
            return null; // The analyzer reports every call the rules reject.
        }

        IMethodSymbol target = verdict.Target;
        string returns = ReturnType(target);
        InterceptorTarget interceptor = new(
            target.ContainingType.ToDisplayString(KnownNames.FullyQualified),
            target.Name,
            target.IsStatic,
            verdict.Shape.Style,
            EquatableArray<string>.Empty,
            returns,
            returns,
            target.Parameters.Select(Unconverted).ToEquatableArray(),
            TaskNaming.Descriptor(task),
            task.Name);
        return new CallSiteModel(interceptor, Location(location));
    }

    /// <summary>A call routed from its syntax: an interceptor generic over the overload's type parameters.</summary>
    private static CallSiteModel FromRoute(SyntaxRoute route)
    {
        IMethodSymbol overload = route.Overload;
        IMethodSymbol constructed = route.Constructed;
        List<InterceptorParameter> parameters = [];
        for (int i = 0; i < overload.Parameters.Length; i++)
        {
            IParameterSymbol parameter = overload.Parameters[i];
            string type = parameter.Type.ToDisplayString(KnownNames.FullyQualified);
            string concrete = constructed.Parameters[i].Type.ToDisplayString(KnownNames.FullyQualified);
            parameters.Add(parameter.Name == ParallelGen.CallShapes.CallShapeTable.ItemsParameter
                && parameter.Type is INamedTypeSymbol { TypeArguments.Length: 1 } items
                && constructed.Parameters[i].Type is INamedTypeSymbol { TypeArguments.Length: 1 } concreteItems
                    ? new InterceptorParameter(parameter.Name, type, concrete, items.TypeArguments[0].ToDisplayString(KnownNames.FullyQualified), concreteItems.TypeArguments[0].ToDisplayString(KnownNames.FullyQualified))
                    : new InterceptorParameter(parameter.Name, type, concrete));
        }

        InterceptorTarget interceptor = new(
            overload.ContainingType.ToDisplayString(KnownNames.FullyQualified),
            overload.Name,
            overload.IsStatic,
            route.Shape.Style,
            overload.TypeParameters.Select(t => t.Name).ToEquatableArray(),
            ReturnType(overload),
            ReturnType(constructed),
            parameters.ToEquatableArray(),
            TaskNaming.Descriptor(route.Task),
            route.Task.Name);
        return new CallSiteModel(interceptor, Location(route.Location));
    }

    private static InterceptorParameter Unconverted(IParameterSymbol parameter)
    {
        string type = parameter.Type.ToDisplayString(KnownNames.FullyQualified);
        return new InterceptorParameter(parameter.Name, type, type);
    }

    private static string ReturnType(IMethodSymbol method) => method.ReturnsVoid ? "void" : method.ReturnType.ToDisplayString(KnownNames.FullyQualified);

    private static InterceptLocation Location(InterceptableLocation location) =>
        new(location.Version, location.Data, DisplayLocation(location.GetDisplayLocation()));

    /// <summary>Keeps the file name of <c>/path/File.cs(12,30)</c>, so generated code does not depend on where the repository lives.</summary>
    private static string DisplayLocation(string display)
    {
        int slash = display.LastIndexOfAny(['/', '\\']);
        return slash < 0 ? display : display.Substring(slash + 1);
    }
}
