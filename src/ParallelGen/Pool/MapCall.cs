using System.Runtime.InteropServices;
using ParallelGen.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Pool;

/// <summary>
/// A <c>Map</c>/<c>Starmap</c> call over a list: cut into chunks on demand, results written straight into the result
/// array by each chunk's reader thread. The first failing item fails the call, and the chunks still running are
/// told to stop.
/// </summary>
internal sealed class MapCall<TArgs, TResult> : IWorkSource
{
    private readonly ProcessTask<TArgs, TResult> _task;
    private readonly IReadOnlyList<TArgs> _items;
    private readonly int _chunkSize;
    private readonly ProgressReporter? _progress;
    private readonly TResult[] _results;
    private readonly TaskCompletionSource<TResult[]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<Chunk> _running = [];
    private CancellationTokenRegistration _registration;
    private int _next;
    private int _completed;
    private volatile bool _finished;

    public MapCall(ProcessTask<TArgs, TResult> task, IReadOnlyList<TArgs> items, int chunkSize, IProgress<PoolProgress>? progress, CallbackQueue callbacks)
    {
        _task = task;
        _items = items;
        _chunkSize = chunkSize;
        _progress = progress is null ? null : new ProgressReporter(progress, callbacks, e => Fail(e, default));
        _results = new TResult[items.Count];
    }

    public Task<TResult[]> Completion => _completion.Task;

    /// <summary>Gets the call's telemetry, when someone listens.</summary>
    public CallTelemetry? Telemetry { get; init; }

    public bool IsDrained => _finished || _next == _items.Count;

    public int QueuedItems => _finished ? 0 : _items.Count - _next;

    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((MapCall<TArgs, TResult>)state!).Fail(new OperationCanceledException(token), token),
                this);
        }
    }

    public WorkUnit? TryTake(int maxItems)
    {
        if (IsDrained)
        {
            return null;
        }

        int count = Math.Min(Math.Min(_chunkSize, _items.Count - _next), maxItems);
        Chunk chunk = new(this, _next, count);
        _next += count;
        lock (_running)
        {
            _running.Add(chunk);
        }

        return chunk;
    }

    public void Abort(Exception exception) => Fail(exception, default);

    private void OnChunkDone(Chunk chunk, in DoneFrame done)
    {
        if (_finished)
        {
            return;
        }

        if (done.Errors is { Count: > 0 } errors)
        {
            Fail(done.ToException(errors[0], _task.Name, chunk.Start), default);
            return;
        }

        if (done.Cancelled)
        {
            return;
        }

        // The results of the items from done.FirstItem on: all of the rest for a final answer, some for a partial one.
        int count = done.IsPartial ? done.ResultCount : chunk.Count - done.FirstItem;
        Payload.ReadSpan(done.Results, _results.AsSpan(chunk.Start + done.FirstItem, count));
        lock (_running)
        {
            if (!done.IsPartial)
            {
                _running.Remove(chunk);
            }

            _completed += count;
            bool complete = _completed == _results.Length;
            if (_progress is null)
            {
                if (complete)
                {
                    Succeed();
                }

                return;
            }

            // Asked for under _running's lock, so that counts never go backwards; the handler runs later, outside it.
            // The call completes after its final report, so a synchronous handler has seen it when Map returns.
            _progress.Report(_completed, _results.Length, final: complete, then: complete ? Succeed : null);
        }
    }

    private void Succeed()
    {
        lock (_running)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
        }

        _registration.Dispose();
        Telemetry?.Succeeded();
        _completion.TrySetResult(_results);
    }

    private void Fail(Exception exception, CancellationToken token)
    {
        Chunk[] running;
        lock (_running)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            running = [.. _running];
            _running.Clear();
        }

        _registration.Dispose();
        Telemetry?.Failed(exception);

        // Stop the chunks still running: each worker checks between items, and tasks that take a token see it fire.
        foreach (Chunk chunk in running)
        {
            chunk.CancelRun();
        }

        if (token.IsCancellationRequested)
        {
            _completion.TrySetCanceled(token);
        }
        else
        {
            _completion.TrySetException(exception);
        }
    }

    private sealed class Chunk(MapCall<TArgs, TResult> call, int start, int count) : WorkUnit
    {
        public int Start { get; private set; } = start;

        public override ProcessTask Task => call._task;

        public override CallTelemetry? Telemetry => call.Telemetry;

        public override int Count => _count;

        private int _count = count;

        public override bool StopOnError => true;

        public override bool IsAbandoned => call._finished;

        public override void WriteArguments(FrameBuffer buffer)
        {
            switch (call._items)
            {
                case TArgs[] array:
                    Payload.WriteSpan(buffer, new ReadOnlySpan<TArgs>(array, Start, Count));
                    break;
                case List<TArgs> list:
                    Payload.WriteSpan(buffer, (ReadOnlySpan<TArgs>)CollectionsMarshal.AsSpan(list).Slice(Start, Count));
                    break;
                default:
                    Payload.WriteList(buffer, call._items, Start, Count);
                    break;
            }
        }

        public override void OnDone(in DoneFrame done) => call.OnChunkDone(this, done);

        public override void OnPartial(in DoneFrame done) => call.OnChunkDone(this, done);

        protected override void Skip(int items)
        {
            Start += items;
            _count -= items;
        }

        public override void OnFailed(Exception exception) => call.Fail(exception, default);
    }
}
