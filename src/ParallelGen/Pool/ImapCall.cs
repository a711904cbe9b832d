using System.Threading.Channels;
using ParallelGen.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Pool;

/// <summary>
/// An <c>Imap</c>/<c>ImapUnordered</c>/<c>ImapAsync</c> call: lazy on both sides. The input is pulled on the thread pool
/// only while fewer than a fixed number of items are in flight (queued, running, or finished but not yet consumed), so
/// an endless or huge input streams through in bounded memory, and results are consumed while later inputs are still
/// being produced. No thread waits for room: the feeder returns when there is none and is queued again when the
/// consumer makes some, so an enumerator dropped without <c>Dispose</c> holds no thread; once it is collected, the call
/// stops and the input is disposed.
/// </summary>
internal sealed class ImapCall<TArgs, TResult> : IWorkSource
{
    private readonly ProcessTask<TArgs, TResult> _task;
    private readonly IEnumerable<TArgs> _items;
    private readonly int _chunkSize;
    private readonly int _capacity;
    private readonly bool _ordered;
    private readonly Action _pump;
    private readonly Queue<Segment> _ready = new();
    private readonly HashSet<Segment> _running = [];
    private readonly Channel<Outcome> _outcomes = Channel.CreateUnbounded<Outcome>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, Outcome> _stash = [];
    private readonly object _capacityLock = new();
    private readonly ProgressReporter? _progress;
    private int _outstanding;
    private IEnumerator<TArgs>? _input;
    private long _fed;
    private int _feeding;
    private volatile bool _stopped;
    private volatile bool _feedDone;
    private long _next;
    private long _end = -1;
    private Exception? _endError;
    private long _arrived;
    private long? _total;
    private Exception? _thrown;

    public ImapCall(ProcessTask<TArgs, TResult> task, IEnumerable<TArgs> items, int chunkSize, int processes, bool ordered, IProgress<PoolProgress>? progress, CallbackQueue callbacks, Action pump)
    {
        _progress = progress is null ? null : new ProgressReporter(progress, callbacks, Abort);
        _task = task;
        _items = items;
        _chunkSize = chunkSize;
        _ordered = ordered;
        _pump = pump;
        _capacity = Math.Max(chunkSize * processes * 4, 256);
    }

    /// <summary>Gets the call's telemetry, when someone listens.</summary>
    public CallTelemetry? Telemetry { get; init; }

    public int QueuedItems
    {
        get
        {
            lock (_ready)
            {
                int items = 0;
                foreach (Segment segment in _ready)
                {
                    items += segment.Count;
                }

                return _stopped ? 0 : items;
            }
        }
    }

    public bool IsDrained
    {
        get
        {
            if (_stopped)
            {
                return true;
            }

            lock (_ready)
            {
                return _feedDone && _ready.Count == 0;
            }
        }
    }

    /// <summary>Starts pulling the input, on the thread pool.</summary>
    public void StartFeeding() => ScheduleFeed();

    public WorkUnit? TryTake(int maxItems)
    {
        lock (_ready)
        {
            if (_stopped || !_ready.TryPeek(out Segment? segment))
            {
                return null;
            }

            if (segment.Count <= maxItems)
            {
                _ready.Dequeue();
            }
            else
            {
                // The worker may take fewer items (MaxTasksPerWorker): split the chunk, keep the rest at the front.
                Segment rest = new(this, segment.Start + maxItems, segment.Items, segment.Offset + maxItems, segment.Count - maxItems);
                segment = new Segment(this, segment.Start, segment.Items, segment.Offset, maxItems);
                Segment[] others = [.. _ready.Skip(1)];
                _ready.Clear();
                _ready.Enqueue(rest);
                foreach (Segment other in others)
                {
                    _ready.Enqueue(other);
                }
            }

            lock (_running)
            {
                _running.Add(segment);
            }

            return segment;
        }
    }

    public void Abort(Exception exception)
    {
        _outcomes.Writer.TryWrite(Outcome.Fatal(exception));
        Stop();
    }

    /// <summary>Stops the call: no more input is pulled, queued chunks are dropped, running ones are told to stop.</summary>
    public void Stop()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;

        // Whoever owns the input disposes it: a feeder at work does so as it sees the stop, otherwise this takes it.
        if (Interlocked.CompareExchange(ref _feeding, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static call => call.DisposeInput(), this, preferLocal: false);
        }

        lock (_ready)
        {
            _ready.Clear();
        }

        Segment[] running;
        lock (_running)
        {
            running = [.. _running];
            _running.Clear();
        }

        foreach (Segment segment in running)
        {
            segment.CancelRun();
        }

        _pump();
    }

    /// <summary>Yields the results, blocking while the next one is not ready.</summary>
    public IEnumerable<TResult> Enumerate()
    {
        // Referenced only by this enumerator: if the consumer drops it without Dispose, the guard's finalizer stops the call.
        ConsumerGuard guard = new(this);
        try
        {
            while (true)
            {
                ValueTask<Outcome?> next = NextAsync(CancellationToken.None);
                Outcome? outcome = next.IsCompletedSuccessfully ? next.Result : next.AsTask().GetAwaiter().GetResult();
                if (outcome is null)
                {
                    yield break;
                }

                for (int i = 0; i < outcome.Count; i++)
                {
                    yield return Take(outcome, i);
                }
            }
        }
        finally
        {
            EndTelemetry(cancelled: false);
            Stop();
            guard.Dismiss();
        }
    }

    /// <summary>Yields the results asynchronously.</summary>
    public async IAsyncEnumerable<TResult> EnumerateAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Cancelling stops the call at once, even while the consumer is busy with an item: no more input is pulled
        // and queued chunks are dropped. The enumeration itself throws at its next step.
        using CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(static state => ((ImapCall<TArgs, TResult>)state!).Stop(), this);
        ConsumerGuard guard = new(this);
        try
        {
            while (await NextAsync(cancellationToken).ConfigureAwait(false) is { } outcome)
            {
                for (int i = 0; i < outcome.Count; i++)
                {
                    yield return Take(outcome, i);
                }
            }
        }
        finally
        {
            EndTelemetry(cancellationToken.IsCancellationRequested);
            Stop();
            guard.Dismiss();
        }
    }

    /// <summary>Gets item <paramref name="i"/> of <paramref name="outcome"/>, remembering the first error handed to the consumer.</summary>
    private TResult Take(Outcome outcome, int i)
    {
        try
        {
            return outcome.Get(i);
        }
        catch (Exception e)
        {
            Remember(e);
            throw;
        }
    }

    private Exception Remember(Exception error)
    {
        _thrown ??= error;
        return error;
    }

    /// <summary>
    /// Records the call's outcome when the enumeration ends: failed with the first error the consumer got, cancelled, or
    /// completed (the end was reached, or the consumer stopped early).
    /// </summary>
    private void EndTelemetry(bool cancelled)
    {
        if (Telemetry is not { } telemetry)
        {
            return;
        }

        if (_thrown is { } error)
        {
            telemetry.Failed(error);
        }
        else if (cancelled)
        {
            telemetry.Cancelled();
        }
        else
        {
            telemetry.Succeeded();
        }
    }

    /// <summary>Gets the next finished chunk (in input order when ordered), or <see langword="null"/> at the end.</summary>
    private async ValueTask<Outcome?> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_ordered && _stash.Remove(_next, out Outcome? stashed))
            {
                return Consume(stashed);
            }

            if (_next == _end)
            {
                return _endError is null ? null : throw Remember(_endError);
            }

            if (!_outcomes.Reader.TryRead(out Outcome? outcome))
            {
                outcome = await _outcomes.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }

            if (outcome.FatalError is { } fatal)
            {
                throw Remember(fatal);
            }

            if (outcome.IsEnd)
            {
                _end = outcome.Start;
                _endError = outcome.Error;
                continue;
            }

            if (!_ordered)
            {
                return Consume(outcome);
            }

            _stash[outcome.Start] = outcome;
        }
    }

    private Outcome Consume(Outcome outcome)
    {
        // Unordered results count from 0 too, so "_next == _end" means every item was consumed either way.
        _next += outcome.Count;
        bool room;
        lock (_capacityLock)
        {
            _outstanding -= outcome.Count;
            room = HasRoom();
        }

        if (room && !_feedDone)
        {
            ScheduleFeed();
        }

        return outcome;
    }

    /// <summary>Under <c>_capacityLock</c>: whether one more chunk fits.</summary>
    private bool HasRoom() => _outstanding + _chunkSize <= _capacity;

    /// <summary>Queues a feeder on the thread pool, unless one is at work (or the input is finished with).</summary>
    private void ScheduleFeed()
    {
        if (Interlocked.CompareExchange(ref _feeding, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static call => call.Feed(), this, preferLocal: false);
        }
    }

    /// <summary>Pulls the input while there is room; owns the input (<c>_feeding</c>) while it runs.</summary>
    private void Feed()
    {
        while (true)
        {
            if (FeedWhileRoom())
            {
                // The input ended, failed or the call stopped: this thread keeps the ownership for good.
                return;
            }

            Volatile.Write(ref _feeding, 0);
            bool room;
            lock (_capacityLock)
            {
                room = HasRoom();
            }

            // Room made after the check above would have found _feeding taken: look again, or leave it to Consume.
            if ((!room && !_stopped) || Interlocked.CompareExchange(ref _feeding, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>Feeds until there is no room (returns <see langword="false"/>) or the input is done with (<see langword="true"/>).</summary>
    private bool FeedWhileRoom()
    {
        Exception? inputError = null;
        try
        {
            _input ??= _items.GetEnumerator();
            while (!_stopped)
            {
                lock (_capacityLock)
                {
                    if (!HasRoom())
                    {
                        return false;
                    }

                    _outstanding += _chunkSize;
                }

                TArgs[] chunk = new TArgs[_chunkSize];
                int count = 0;
                while (count < chunk.Length && !_stopped && _input.MoveNext())
                {
                    chunk[count++] = _input.Current;
                }

                lock (_capacityLock)
                {
                    _outstanding -= _chunkSize - count;
                }

                if (count > 0 && !_stopped)
                {
                    lock (_ready)
                    {
                        _ready.Enqueue(new Segment(this, _fed, chunk, 0, count));
                    }

                    _fed += count;
                    _pump();
                }

                if (count < chunk.Length)
                {
                    break;
                }
            }
        }
        catch (Exception exception)
        {
            // The input itself failed: its error surfaces after the results of the items before it.
            inputError = exception;
        }

        DisposeInput();
        if (_stopped && inputError is null)
        {
            return true;
        }

        lock (_ready)
        {
            _feedDone = true;
        }

        // Progress first, so that a consumer that has seen the end has also seen the final report.
        CountArrived(0, Outcome.EndAt(_fed, inputError), total: _fed);
        _pump();
        return true;
    }

    /// <summary>Disposes the input's enumerator; by the thread that owns the input.</summary>
    private void DisposeInput()
    {
        try
        {
            _input?.Dispose();
        }
        catch (Exception)
        {
            // The call is over; an input that fails to dispose has nobody left to tell.
        }

        _input = null;
    }

    private void OnSegmentDone(Segment segment, in DoneFrame done)
    {
        if (!done.IsPartial)
        {
            lock (_running)
            {
                _running.Remove(segment);
            }
        }

        if (done.Cancelled || _stopped)
        {
            return;
        }

        // The items from done.FirstItem on: some of them for a partial answer, the rest for a final one. Every item ran
        // unless the whole unit failed first (e.g. its arguments did not deserialize): then the unit's error stands for
        // the items that have no result.
        int first = done.FirstItem;
        int count = done.IsPartial ? done.ResultCount : segment.Count - first;
        TResult[] results = new TResult[count];
        int ran = Math.Min(done.ResultCount, count);
        Payload.ReadSpan(done.Results, results.AsSpan(0, ran));
        Exception?[]? errors = null;
        if (done.Errors is { Count: > 0 } remoteErrors)
        {
            errors = new Exception?[count];
            foreach (RemoteError error in remoteErrors)
            {
                errors[error.ItemIndex - first] = done.ToException(error, _task.Name, segment.Start);
            }

            for (int i = ran; i < count; i++)
            {
                errors[i] ??= errors[0] ?? done.ToException(remoteErrors[0], _task.Name, segment.Start);
            }
        }

        CountArrived(count, new Outcome(segment.Start + first, count, results, errors, null));
    }

    /// <summary>
    /// Hands <paramref name="outcome"/> to the consumer and reports progress: <paramref name="count"/> more items have
    /// their outcome. The total becomes known when the feeder reaches the end of the input; the final report comes when
    /// every item up to there has arrived, and the outcome that completes the call is handed over after it, so that a
    /// consumer that has seen the end has also seen the final report.
    /// </summary>
    private void CountArrived(int count, Outcome outcome, long? total = null)
    {
        if (_progress is null || _stopped)
        {
            _outcomes.Writer.TryWrite(outcome);
            return;
        }

        lock (_progress)
        {
            _arrived += count;
            _total ??= total;
            bool final = _arrived == _total;
            _progress.Report(_arrived, _total, final, then: final ? () => _outcomes.Writer.TryWrite(outcome) : null);
            if (!final)
            {
                _outcomes.Writer.TryWrite(outcome);
            }
        }
    }

    private void OnSegmentFailed(Segment segment, Exception exception)
    {
        lock (_running)
        {
            _running.Remove(segment);
        }

        CountArrived(segment.Count, new Outcome(segment.Start, segment.Count, null, null, exception));
    }

    /// <summary>A finished chunk, the end of the input, or a failure of the whole call.</summary>
    private sealed class Outcome(long start, int count, TResult[]? results, Exception?[]? errors, Exception? error, bool isEnd = false, Exception? fatalError = null)
    {
        public long Start { get; } = start;

        public int Count { get; } = count;

        public Exception? Error { get; } = error;

        public bool IsEnd { get; } = isEnd;

        public Exception? FatalError { get; } = fatalError;

        public static Outcome EndAt(long index, Exception? error) => new(index, 0, null, null, error, isEnd: true);

        public static Outcome Fatal(Exception exception) => new(0, 0, null, null, null, fatalError: exception);

        /// <summary>Gets item <paramref name="i"/>, or throws its error (or the chunk's, if its worker crashed).</summary>
        public TResult Get(int i)
        {
            if (Error is not null)
            {
                throw Error;
            }

            if (errors?[i] is { } itemError)
            {
                throw itemError;
            }

            return results![i];
        }
    }

    private sealed class Segment(ImapCall<TArgs, TResult> call, long start, TArgs[] items, int offset, int count) : WorkUnit
    {
        private int _count = count;

        public long Start { get; private set; } = start;

        public TArgs[] Items { get; } = items;

        public int Offset { get; private set; } = offset;

        public override ProcessTask Task => call._task;

        public override CallTelemetry? Telemetry => call.Telemetry;

        public override int Count => _count;

        // Every item runs; a failing item fails only itself, when the consumer reaches it (as Python's imap).
        public override bool StopOnError => false;

        public override bool IsAbandoned => call._stopped;

        public override void WriteArguments(FrameBuffer buffer) => Payload.WriteSpan(buffer, new ReadOnlySpan<TArgs>(Items, Offset, Count));

        public override void OnDone(in DoneFrame done) => call.OnSegmentDone(this, done);

        public override void OnPartial(in DoneFrame done) => call.OnSegmentDone(this, done);

        public override void OnFailed(Exception exception) => call.OnSegmentFailed(this, exception);

        protected override void Skip(int items)
        {
            Start += items;
            Offset += items;
            _count -= items;
        }
    }

    /// <summary>
    /// Lives as long as the consumer's enumerator: if that is dropped without being disposed, this is collected too, and
    /// its finalizer stops the call (on the thread pool), so that the input is disposed and nothing more is pulled.
    /// </summary>
    private sealed class ConsumerGuard(ImapCall<TArgs, TResult> call)
    {
        ~ConsumerGuard() => ThreadPool.UnsafeQueueUserWorkItem(static c => c.Stop(), call, preferLocal: false);

        /// <summary>The enumeration ended the normal way.</summary>
        public void Dismiss() => GC.SuppressFinalize(this);
    }
}
