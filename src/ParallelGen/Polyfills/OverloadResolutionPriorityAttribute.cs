#if !NET9_0_OR_GREATER
namespace System.Runtime.CompilerServices;

/// <summary>
/// The C# 13 overload tie-breaker, declared for net8.0 where the framework lacks it (the compiler matches it by name).
/// ParallelGen gives its asynchronous task shapes a higher priority, so that <c>pool.ApplyAsync(FetchAsync, url,
/// callback: page =&gt; ...)</c> binds to the overload whose result is the awaited value, not the task object.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
internal sealed class OverloadResolutionPriorityAttribute(int priority) : Attribute
{
    /// <summary>Gets the priority: higher wins among applicable overloads of the same type.</summary>
    public int Priority { get; } = priority;
}
#endif
