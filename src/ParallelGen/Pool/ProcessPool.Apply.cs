using ParallelGen.Dispatch;
using ParallelGen.Pool;

namespace ParallelGen;

public partial class ProcessPool
{
    /// <summary>Runs <paramref name="task"/> once in a worker and waits for its result (Python's <c>apply</c>).</summary>
    /// <remarks>
    /// This overload takes the generated task descriptor. Application code calls <c>pool.Apply(Add, 1, 2L)</c> with
    /// the method itself, and the ParallelGen generator routes that call here at compile time.
    /// </remarks>
    /// <exception cref="RemoteTaskException">The task threw in the worker.</exception>
    /// <exception cref="WorkerCrashedException">The worker died while running the task.</exception>
    public TResult Apply<TArgs, TResult>(ProcessTask<TArgs, TResult> task, TArgs args)
    {
        AsyncResult<TResult> result = ApplyAsync(task, args);

        // A short task answers within tens of microseconds: for up to 50 µs, yield rather than sleep, so that the
        // answer is taken without a wake-up (yielding, not spinning, leaves the CPU to the thread that reads it).
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + (System.Diagnostics.Stopwatch.Frequency / 20_000);
        while (!result.Ready && System.Diagnostics.Stopwatch.GetTimestamp() < end)
        {
            Thread.Yield();
        }

        return result.Get();
    }

    /// <summary>Queues <paramref name="task"/> to run once in a worker (Python's <c>apply_async</c>).</summary>
    /// <param name="task">The generated task descriptor.</param>
    /// <param name="args">The arguments, packed as the descriptor expects.</param>
    /// <param name="callback">
    /// Runs in this process with the result, before the result is ready. The callbacks of one pool run one at a time,
    /// in the order the results arrive, on a pool thread (unless <see cref="ProcessPoolOptions.ConcurrentCallbacks"/>).
    /// </param>
    /// <param name="errorCallback">Runs in this process with the exception, before the result is ready; in turn with the callbacks.</param>
    /// <param name="cancellationToken">Drops the call if it is still queued; signals the task's token if it is running.</param>
    /// <exception cref="InvalidOperationException">The pool is closed.</exception>
    /// <exception cref="ObjectDisposedException">The pool is terminated.</exception>
    public AsyncResult<TResult> ApplyAsync<TArgs, TResult>(
        ProcessTask<TArgs, TResult> task,
        TArgs args,
        Action<TResult>? callback = null,
        Action<Exception>? errorCallback = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ApplyCall<TArgs, TResult> call = new(task, args, callback, errorCallback, _scheduler.ResultCallbacks, _telemetry.CallStarted("apply", task));
        Submit(call);
        call.RegisterCancellation(cancellationToken);
        return new AsyncResult<TResult>(call.Completion);
    }

    /// <summary>Queues a task that returns nothing to run once in a worker (Python's <c>apply_async</c>).</summary>
    /// <inheritdoc cref="ApplyAsync{TArgs, TResult}(ProcessTask{TArgs, TResult}, TArgs, Action{TResult}?, Action{Exception}?, CancellationToken)"/>
    public AsyncResult ApplyAsync<TArgs>(
        ProcessTask<TArgs, Unit> task,
        TArgs args,
        Action? callback,
        Action<Exception>? errorCallback = null,
        CancellationToken cancellationToken = default) =>
        ApplyAsync(task, args, callback is null ? null : _ => callback(), errorCallback, cancellationToken);
}
