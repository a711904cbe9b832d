using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Pool;

/// <summary>The run of a <see cref="PoolInitializer"/> in one new worker, sent before anything else.</summary>
internal sealed class InitializerUnit<TArgs, TResult>(ProcessTask<TArgs, TResult> task, TArgs args) : WorkUnit, IInitializerUnit
{
    private readonly TaskCompletionSource<string?> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override ProcessTask Task => task;

    public override int Count => 1;

    public override bool StopOnError => true;

    // Part of the worker's start: WorkerStartTimeout applies, not TaskTimeout.
    public override bool IsStartup => true;

    // Never retried on another worker: if its worker dies, that is a start failure of that worker.
    public override bool IsAbandoned => true;

    /// <summary>Gets the error message if the initializer failed, or <see langword="null"/> once it succeeded.</summary>
    public Task<string?> Outcome => _outcome.Task;

    public override void WriteArguments(FrameBuffer buffer) => Payload.WriteSpan(buffer, new ReadOnlySpan<TArgs>(in args));

    public override void OnDone(in DoneFrame done) =>
        _outcome.TrySetResult(done.Errors is { Count: > 0 } errors
            ? $"the initializer {task.Name} threw {errors[0].TypeName}: {errors[0].Message}"
            : null);

    public override void OnFailed(Exception exception) => _outcome.TrySetResult($"the worker died running the initializer {task.Name}");
}

/// <summary>The outcome of an initializer run, whatever its types.</summary>
internal interface IInitializerUnit
{
    Task<string?> Outcome { get; }
}
