using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Pool;

/// <summary>The run of a <see cref="PoolInitializer"/> in one new worker, sent before anything else.</summary>
/// <remarks>Its outcome decides whether the worker starts: the scheduler reads it with <see cref="FailureOf"/>.</remarks>
internal sealed class InitializerUnit<TArgs, TResult>(ProcessTask<TArgs, TResult> task, TArgs args) : WorkUnit
{
    public override ProcessTask Task => task;

    public override int Count => 1;

    public override bool StopOnError => true;

    // Part of the worker's start: WorkerStartTimeout applies, not TaskTimeout.
    public override bool IsStartup => true;

    // Never retried on another worker: if its worker dies, that is a start failure of that worker.
    public override bool IsAbandoned => true;

    public override void WriteArguments(FrameBuffer buffer) => Payload.WriteSpan(buffer, new ReadOnlySpan<TArgs>(in args));

    public override string? FailureOf(in DoneFrame done) =>
        done.Errors is { Count: > 0 } errors ? $"the initializer {task.Name} threw {errors[0].TypeName}: {errors[0].Message}" : null;

    public override void OnDone(in DoneFrame done)
    {
    }

    public override void OnFailed(Exception exception)
    {
    }
}
