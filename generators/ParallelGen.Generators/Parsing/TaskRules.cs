using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ParallelGen.Generators.Parsing;

/// <summary>A reason a <c>[ProcessTask]</c> method cannot run in a worker, with what the diagnostic names.</summary>
/// <param name="Rule">Which rule it breaks.</param>
/// <param name="Symbol">Where to report it: the method, or the offending parameter.</param>
/// <param name="Arguments">The message arguments.</param>
internal sealed record TaskProblem(TaskRule Rule, ISymbol Symbol, object[] Arguments);

/// <summary>The rules of task declarations; each has a diagnostic in <c>DiagnosticDescriptors</c>.</summary>
internal enum TaskRule
{
    NotStatic,
    Generic,
    ByReference,
    StackOnlyType,
    NotSerializable,
    NotAccessible,
    TooManyParameters,
    MisplacedCancellationToken,
    NegativeRetries,
    AsyncVoid,
}

/// <summary>
/// The checks on a <c>[ProcessTask]</c> declaration. The analyzer reports every problem; the generator only asks
/// whether there is any, and skips the method if so, so its output stays cacheable.
/// </summary>
internal static class TaskRules
{
    public static bool IsValid(IMethodSymbol method) => !Check(method).Any();

    public static IEnumerable<TaskProblem> Check(IMethodSymbol method)
    {
        string name = method.ToDisplayString(KnownNames.Readable);
        if (!method.IsStatic)
        {
            yield return new TaskProblem(TaskRule.NotStatic, method, [name]);
        }

        if (method.IsGenericMethod || AnyContainingTypeIsGeneric(method.ContainingType))
        {
            // The type checks below would only repeat this for every type parameter.
            yield return new TaskProblem(TaskRule.Generic, method, [name]);
            yield break;
        }

        if (!IsAccessible(method))
        {
            yield return new TaskProblem(TaskRule.NotAccessible, method, [name]);
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            yield return new TaskProblem(TaskRule.AsyncVoid, method, [name]);
        }

        if (MaxRetries(method) < 0)
        {
            yield return new TaskProblem(TaskRule.NegativeRetries, method, [name, MaxRetries(method)]);
        }

        int crossing = 0;
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            if (parameter.RefKind != RefKind.None)
            {
                yield return new TaskProblem(TaskRule.ByReference, parameter, [parameter.Name, name, parameter.RefKind.ToString().ToLowerInvariant()]);
                continue;
            }

            if (parameter.Type.IsCancellationToken())
            {
                if (i != method.Parameters.Length - 1)
                {
                    yield return new TaskProblem(TaskRule.MisplacedCancellationToken, parameter, [parameter.Name, name]);
                }

                continue;
            }

            crossing++;
            if (CheckType(parameter.Type, parameter, name) is { } problem)
            {
                yield return problem;
            }
        }

        if (crossing > KnownNames.MaxParameters)
        {
            yield return new TaskProblem(TaskRule.TooManyParameters, method, [name, crossing, KnownNames.MaxParameters]);
        }

        if (ResultType(method) is { } result && CheckType(result, method, name) is { } returnProblem)
        {
            yield return returnProblem;
        }
    }

    /// <summary>Gets the <c>MaxRetries</c> set on the method's <c>[ProcessTask]</c>, or 0.</summary>
    public static int MaxRetries(IMethodSymbol method)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (!attribute.Is(KnownNames.ProcessTaskAttribute))
            {
                continue;
            }

            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == "MaxRetries" && argument.Value.Value is int retries)
                {
                    return retries;
                }
            }
        }

        return 0;
    }

    /// <summary>Gets the type that crosses back: the awaited result, or <see langword="null"/> for void, Task and ValueTask.</summary>
    public static ITypeSymbol? ResultType(IMethodSymbol method)
    {
        if (method.ReturnsVoid)
        {
            return null;
        }

        if (method.ReturnType is INamedTypeSymbol named && IsTaskLike(named))
        {
            return named.IsGenericType ? named.TypeArguments[0] : null;
        }

        return method.ReturnType;
    }

    /// <summary>Whether <paramref name="type"/> is Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
    public static bool IsTaskLike(INamedTypeSymbol type) =>
        type.OriginalDefinition.ToDisplayString() is "System.Threading.Tasks.Task" or "System.Threading.Tasks.Task<TResult>"
            or "System.Threading.Tasks.ValueTask" or "System.Threading.Tasks.ValueTask<TResult>";

    private static TaskProblem? CheckType(ITypeSymbol type, ISymbol where, string name)
    {
        if (CrossProcessTypes.Walk(type, null) is not { } problem)
        {
            return null;
        }

        ITypeSymbol bad = problem.Type;
        string badName = bad.ToDisplayString(KnownNames.Readable);
        bool stackOnly = bad is IPointerTypeSymbol or IFunctionPointerTypeSymbol || bad.IsRefLikeType;
        return stackOnly
            ? new TaskProblem(TaskRule.StackOnlyType, where, [name, badName])
            : new TaskProblem(TaskRule.NotSerializable, where, [name, badName, type.ToDisplayString(KnownNames.Readable), problem.Path, problem.Reason]);
    }

    private static bool AnyContainingTypeIsGeneric(INamedTypeSymbol? type)
    {
        for (; type is not null; type = type.ContainingType)
        {
            if (type.IsGenericType)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAccessible(IMethodSymbol method)
    {
        if (method.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
        {
            return false;
        }

        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal || type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }
}
