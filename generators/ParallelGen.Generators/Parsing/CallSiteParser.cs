using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>Finds calls such as <c>pool.Map(Square, data)</c> that pass a valid task to a <c>[ProcessTaskCall]</c> method.</summary>
internal static class CallSiteParser
{
    /// <summary>The syntax-only filter: an invocation whose first argument is a name (a method group candidate).</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken cancellationToken) =>
        node is InvocationExpressionSyntax { ArgumentList.Arguments: { Count: > 0 } arguments }
        && arguments[0].Expression is IdentifierNameSyntax or MemberAccessExpressionSyntax;

    public static CallSiteModel? Parse(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        InvocationExpressionSyntax invocation = (InvocationExpressionSyntax)context.Node;
        if (context.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol target
            || !target.OriginalDefinition.HasAttribute(KnownNames.ProcessTaskCallAttribute)
            || target.Parameters.Length == 0)
        {
            return null;
        }

        ExpressionSyntax taskExpression = invocation.ArgumentList.Arguments[0].Expression;
        if (context.SemanticModel.GetSymbolInfo(taskExpression, cancellationToken).Symbol is not IMethodSymbol task
            || task.MethodKind != MethodKind.Ordinary
            || !task.HasAttribute(KnownNames.ProcessTaskAttribute)
            || !TaskRules.IsValid(task))
        {
            return null;
        }

        DescriptorRef descriptor = TaskNaming.Descriptor(task);
        if (!SymbolEqualityComparer.Default.Equals(task.ContainingAssembly, context.SemanticModel.Compilation.Assembly)
            && task.ContainingAssembly.GetTypeByMetadataName(descriptor.MetadataName) is null)
        {
            return null; // Declared in an assembly built without the generator; the analyzer reports it.
        }

        if (context.SemanticModel.GetInterceptableLocation(invocation, cancellationToken) is not { } location)
        {
            return null;
        }

        InterceptorTarget interceptor = new(
            target.ContainingType.ToDisplayString(KnownNames.FullyQualified),
            target.Name,
            target.IsStatic,
            target.ReturnsVoid ? "void" : target.ReturnType.ToDisplayString(KnownNames.FullyQualified),
            target.Parameters.Select(p => new ParameterModel(p.Name, p.Type.ToDisplayString(KnownNames.FullyQualified))).ToEquatableArray(),
            descriptor,
            task.Name);
        return new CallSiteModel(interceptor, new InterceptLocation(location.Version, location.Data, DisplayLocation(location.GetDisplayLocation())));
    }

    /// <summary>Keeps the file name of <c>/path/File.cs(12,30)</c>, so generated code does not depend on where the repository lives.</summary>
    private static string DisplayLocation(string display)
    {
        int slash = display.LastIndexOfAny(['/', '\\']);
        return slash < 0 ? display : display.Substring(slash + 1);
    }
}
