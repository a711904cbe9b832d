using System.ComponentModel;

namespace ParallelGen.Dispatch;

/// <summary>
/// Marks a public overload that takes a <c>[ProcessTask]</c> method by name, such as
/// <c>ProcessPool.Map(Func&lt;TArg, TResult&gt; task, ...)</c>. The ParallelGen generator intercepts every call to such
/// an overload and forwards it to the overload of the same name that takes the task's generated descriptor.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ProcessTaskCallAttribute : Attribute
{
    /// <summary>The exception thrown by an overload whose call was not intercepted.</summary>
    public static InvalidOperationException NotIntercepted(string method) =>
        new($"{method} was called with a task that the ParallelGen source generator did not route to a worker process. " +
            "Pass a static [ProcessTask] method by name, as in pool.Map(Square, data), in a project that references the ParallelGen package " +
            "(which runs the generator); see docs/diagnostics.md.");
}
