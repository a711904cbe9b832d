using System.Collections.Generic;
using System.Linq;

namespace ParallelGen.Signatures;

/// <summary>One way a <c>[ProcessTask]</c> method can look to overload resolution: its return kind and whether it takes a token.</summary>
internal sealed class TaskShape
{
    private TaskShape(string? wrapper, bool hasResult, bool takesToken)
    {
        Wrapper = wrapper;
        HasResult = hasResult;
        TakesToken = takesToken;
    }

    /// <summary>Gets all twelve shapes: value, <c>Task</c>, <c>ValueTask</c>, each with and without a result and a token.</summary>
    public static IReadOnlyList<TaskShape> All { get; } =
    [
        .. from hasResult in new[] { true, false }
           from wrapper in new[] { null, "Task", "ValueTask" }
           from takesToken in new[] { false, true }
           select new TaskShape(wrapper, hasResult, takesToken),
    ];

    /// <summary>Gets <c>Task</c>, <c>ValueTask</c>, or <see langword="null"/> for a synchronous method.</summary>
    public string? Wrapper { get; }

    public bool HasResult { get; }

    public bool TakesToken { get; }

    /// <summary>
    /// Gets the overload priority: asynchronous shapes win over the synchronous one, whose <c>TResult</c> would
    /// otherwise also match <c>Task&lt;T&gt;</c> and make calls with a callback lambda ambiguous.
    /// </summary>
    public int Priority => Wrapper is null ? 0 : 1;

    /// <summary>Gets the delegate type for a method taking <paramref name="parameters"/>, e.g. <c>Func&lt;T1, CancellationToken, Task&lt;TResult&gt;&gt;</c>.</summary>
    public string DelegateType(IReadOnlyList<string> parameters)
    {
        List<string> types = [.. parameters];
        if (TakesToken)
        {
            types.Add("CancellationToken");
        }

        string? returns = (HasResult, Wrapper) switch
        {
            (true, null) => "TResult",
            (true, _) => $"{Wrapper}<TResult>",
            (false, null) => null,
            (false, _) => Wrapper,
        };

        if (returns is null)
        {
            return types.Count == 0 ? "Action" : $"Action<{string.Join(", ", types)}>";
        }

        types.Add(returns);
        return $"Func<{string.Join(", ", types)}>";
    }

    /// <summary>Gets the type parameter list for <paramref name="parameters"/>, plus <c>TResult</c> when the shape has a result.</summary>
    public string TypeParameters(IReadOnlyList<string> parameters)
    {
        List<string> all = [.. parameters];
        if (HasResult)
        {
            all.Add("TResult");
        }

        return all.Count == 0 ? "" : $"<{string.Join(", ", all)}>";
    }

    /// <summary>Gets a phrase for the docs, e.g. "an asynchronous task (Task&lt;TResult&gt;) that takes a cancellation token".</summary>
    public string Describe()
    {
        string kind = Wrapper is null ? "a synchronous task" : $"an asynchronous task ({Wrapper}{(HasResult ? "&lt;TResult&gt;" : "")}, awaited in the worker)";
        string result = HasResult ? "" : " that returns nothing";
        string token = TakesToken ? ", with a trailing CancellationToken that receives cancellation from this process" : "";
        return kind + result + token;
    }
}
