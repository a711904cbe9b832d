using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Pool;

/// <summary>The run of an initializer whose arguments came already serialized (a cluster node running a remote pool's initializer).</summary>
/// <remarks>Like <see cref="InitializerUnit{TArgs, TResult}"/>, its outcome decides whether the worker starts.</remarks>
internal sealed class RawInitializerUnit(ProcessTask task, ReadOnlyMemory<byte> arguments) : WorkUnit
{
    public override ProcessTask Task => task;

    public override int Count => 1;

    public override bool StopOnError => true;

    public override bool IsStartup => true;

    public override bool IsAbandoned => true;

    public override void WriteArguments(FrameBuffer buffer) => buffer.Write(arguments.Span);

    public override string? FailureOf(in DoneFrame done) =>
        done.Errors is { Count: > 0 } errors ? $"the initializer {task.Name} threw {errors[0].TypeName}: {errors[0].Message}" : null;

    public override void OnDone(in DoneFrame done)
    {
    }

    public override void OnFailed(Exception exception)
    {
    }
}
