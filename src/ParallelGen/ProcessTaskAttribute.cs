namespace ParallelGen;

/// <summary>
/// Marks a static method as a task that can run in a worker process: <c>pool.Map(Square, data)</c>,
/// <c>pool.Apply(Add, 1, 2L)</c>, <c>WorkerProcess.Start(Download, url, queue)</c>.
/// </summary>
/// <remarks>
/// <para>The ParallelGen source generator emits, for each marked method, a worker-side entry stub and the typed
/// interceptors that route calls to it. The method must be <see langword="static"/>, non-generic, accessible from its
/// assembly, and take and return types that MemoryPack can serialize (or ParallelGen's own cross-process types).
/// A trailing <see cref="CancellationToken"/> parameter receives cancellation from the parent process.
/// Violations are compile-time errors; see <c>docs/diagnostics.md</c>.</para>
/// <para>Allowed returns: <see langword="void"/>, a value, <see cref="Task"/>, <see cref="Task{TResult}"/>,
/// <see cref="ValueTask"/> and <see cref="ValueTask{TResult}"/>; asynchronous tasks are awaited in the worker.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ProcessTaskAttribute : Attribute
{
    /// <summary>
    /// Gets or sets how many times a call is run again on another worker when its worker crashes while running it.
    /// Only set this for idempotent tasks. Default 0: a crash fails the call with <see cref="WorkerCrashedException"/>.
    /// A worker that dies before the task's code began (while it read the arguments) uses up no retry, up to three times.
    /// </summary>
    public int MaxRetries { get; set; }
}
