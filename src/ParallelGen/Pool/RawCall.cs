using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Pool;

/// <summary>
/// A run whose arguments are already serialized (a <c>Run</c> frame's argument span), and whose <c>Done</c> frame goes
/// back to its <see cref="IRawCallSink"/> as it came: how a cluster node runs, in its local pool, the runs a remote
/// pool's scheduler sent it. Its own source (taken once) and its own unit.
/// </summary>
/// <remarks>
/// The remote scheduler owns the policy: a crash here is reported, never retried (<see cref="MaxRetries"/> is 0), so
/// that <c>MaxRetries</c> counts once across the two pools.
/// </remarks>
internal sealed class RawCall : WorkUnit, IWorkSource
{
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Finished = 2;

    private readonly ProcessTask _task;
    private readonly byte _flags;
    private readonly ReadOnlyMemory<byte> _arguments;
    private readonly IRawCallSink _sink;
    private int _state;

    /// <summary>Creates the run.</summary>
    /// <param name="task">The task, found in this process's registry by the id the remote pool sent.</param>
    /// <param name="flags">The remote run's <see cref="RunFrame"/> flags; only <see cref="RunFrame.StopOnError"/> is kept.</param>
    /// <param name="arguments">The MemoryPack span of arguments, one per item, kept until the run was sent.</param>
    /// <param name="count">The number of items, as the span's length prefix says.</param>
    /// <param name="sink">Receives the outcome, exactly once.</param>
    /// <param name="tag">The owner's handle on the run (its remote id), for the sink.</param>
    public RawCall(ProcessTask task, byte flags, ReadOnlyMemory<byte> arguments, int count, IRawCallSink sink, object? tag)
    {
        _task = task;
        _flags = (byte)(flags & RunFrame.StopOnError);
        _arguments = arguments;
        Count = count;
        _sink = sink;
        Tag = tag;
    }

    /// <summary>Gets the owner's handle on the run.</summary>
    public object? Tag { get; }

    public override ProcessTask Task => _task;

    public override int Count { get; }

    public override bool StopOnError => (_flags & RunFrame.StopOnError) != 0;

    public override int MaxRetries => 0;

    public override bool IsAbandoned => Volatile.Read(ref _state) == Finished;

    public bool IsDrained => Volatile.Read(ref _state) != Queued;

    public WorkUnit? TryTake(int maxItems) =>
        Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued ? this : null;

    public override void WriteArguments(FrameBuffer buffer) => buffer.Write(_arguments.Span);

    public override void OnDone(in DoneFrame done)
    {
        if (Interlocked.Exchange(ref _state, Finished) != Finished)
        {
            _sink.OnDone(this, done);
        }
    }

    public override void OnPartial(in DoneFrame done)
    {
        if (Volatile.Read(ref _state) == Taken)
        {
            _sink.OnPartial(this, done);
        }
    }

    public override void OnFailed(Exception exception)
    {
        if (Interlocked.Exchange(ref _state, Finished) != Finished)
        {
            _sink.OnFailed(this, exception);
        }
    }

    public void Abort(Exception exception) => OnFailed(exception);

    /// <summary>
    /// Cancels the run: one not sent yet never runs (the sink gets an <see cref="OperationCanceledException"/>); a
    /// running one is told to stop, and its worker answers with a cancelled <c>Done</c> frame.
    /// </summary>
    public void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Finished, Queued) == Queued)
        {
            _sink.OnFailed(this, new OperationCanceledException("The run was cancelled before it started."));
            return;
        }

        if (Volatile.Read(ref _state) == Taken)
        {
            CancelRun();
        }
    }
}
