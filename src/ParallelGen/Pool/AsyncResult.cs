using System.Runtime.CompilerServices;

namespace ParallelGen;

/// <summary>
/// The pending outcome of <c>ProcessPool.ApplyAsync</c> for a task that returns nothing
/// (Python's <c>AsyncResult</c>). Awaitable; <see cref="Wait()"/> and <see cref="Get()"/> block.
/// </summary>
public class AsyncResult
{
    private protected AsyncResult(Task task)
    {
        Task = task;
    }

    /// <summary>Gets the task that completes with the call.</summary>
    private protected Task Task { get; }

    /// <summary>Gets whether the call has completed, successfully or not.</summary>
    public bool Ready => Task.IsCompleted;

    /// <summary>Gets whether the call completed without an exception.</summary>
    /// <exception cref="InvalidOperationException">The call has not completed yet (Python raises <c>ValueError</c>).</exception>
    public bool Successful => Ready
        ? Task.IsCompletedSuccessfully
        : throw new InvalidOperationException("The call has not completed yet; check Ready or Wait() first.");

    /// <summary>Blocks until the call completes. Does not throw the call's exception; <see cref="Get()"/> does.</summary>
    public void Wait() => Wait(Timeout.InfiniteTimeSpan);

    /// <summary>Blocks until the call completes or <paramref name="timeout"/> passes. Does not throw the call's exception.</summary>
    /// <returns>Whether the call completed in time.</returns>
    public bool Wait(TimeSpan timeout)
    {
        if (Task.IsCompleted)
        {
            return true;
        }

        try
        {
            return Task.Wait(timeout);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    /// <summary>Blocks until the call completes and rethrows its exception, if any.</summary>
    /// <exception cref="RemoteTaskException">The task threw in the worker.</exception>
    /// <exception cref="WorkerCrashedException">The worker died while running the task.</exception>
    /// <exception cref="OperationCanceledException">The call was cancelled, or the pool terminated.</exception>
    public void Get() => Task.GetAwaiter().GetResult();

    /// <summary>Like <see cref="Get()"/>, but throws <see cref="TimeoutException"/> if the call has not completed in time.</summary>
    /// <remarks>The call itself goes on running; only the wait ends.</remarks>
    public void Get(TimeSpan timeout)
    {
        ThrowIfTimedOut(timeout);
        Get();
    }

    /// <summary>Gets the call as a <see cref="System.Threading.Tasks.Task"/>.</summary>
    public Task AsTask() => Task;

    /// <summary>Gets an awaiter, so that <c>await pool.ApplyAsync(...)</c> works.</summary>
    public TaskAwaiter GetAwaiter() => Task.GetAwaiter();

    private protected void ThrowIfTimedOut(TimeSpan timeout)
    {
        if (!Wait(timeout))
        {
            throw new TimeoutException($"The call did not complete within {timeout}.");
        }
    }
}

/// <summary>
/// The pending result of <c>ProcessPool.ApplyAsync</c> (Python's <c>AsyncResult</c>): <see cref="Get()"/> blocks,
/// <see cref="Get(TimeSpan)"/> blocks with a timeout, <c>await</c> does neither.
/// </summary>
/// <typeparam name="T">The task's result type.</typeparam>
public sealed class AsyncResult<T> : AsyncResult
{
    internal AsyncResult(Task<T> task)
        : base(task)
    {
    }

    private Task<T> TypedTask => (Task<T>)Task;

    /// <summary>Blocks until the call completes and returns its result, or throws its exception.</summary>
    /// <exception cref="RemoteTaskException">The task threw in the worker.</exception>
    /// <exception cref="WorkerCrashedException">The worker died while running the task.</exception>
    /// <exception cref="OperationCanceledException">The call was cancelled, or the pool terminated.</exception>
    public new T Get() => TypedTask.GetAwaiter().GetResult();

    /// <summary>Like <see cref="Get()"/>, but throws <see cref="TimeoutException"/> if the call has not completed in time.</summary>
    /// <remarks>The call itself goes on running; only the wait ends (as in Python).</remarks>
    public new T Get(TimeSpan timeout)
    {
        ThrowIfTimedOut(timeout);
        return Get();
    }

    /// <summary>Gets the call as a <see cref="Task{TResult}"/>.</summary>
    public new Task<T> AsTask() => TypedTask;

    /// <summary>Gets an awaiter, so that <c>await pool.ApplyAsync(...)</c> yields the result.</summary>
    public new TaskAwaiter<T> GetAwaiter() => TypedTask.GetAwaiter();
}
