using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Parsing;

/// <summary>Turns a call such as <c>pool.Map(Square, data)</c> that <see cref="CallSiteRules"/> accepts into a <see cref="CallSiteModel"/>.</summary>
internal static class CallSiteParser
{
    public static CallSiteModel? Parse(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.SemanticModel.GetOperation(context.Node, cancellationToken) is not IInvocationOperation invocation
            || CallSiteRules.Check(invocation, cancellationToken) is not { Problem: CallProblem.None, Task: { } task, Location: { } location } verdict)
        {
            return null; // The analyzer reports every call the rules reject.
        }

        IMethodSymbol target = verdict.Target;
        InterceptorTarget interceptor = new(
            target.ContainingType.ToDisplayString(KnownNames.FullyQualified),
            target.Name,
            target.IsStatic,
            verdict.Shape.Style,
            target.ReturnsVoid ? "void" : target.ReturnType.ToDisplayString(KnownNames.FullyQualified),
            target.Parameters.Select(p => new ParameterModel(p.Name, p.Type.ToDisplayString(KnownNames.FullyQualified))).ToEquatableArray(),
            TaskNaming.Descriptor(task),
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
