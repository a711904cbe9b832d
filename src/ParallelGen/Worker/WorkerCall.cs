using System.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Worker;

/// <summary>
/// The worker-side state of one <c>Run</c> frame while its task executes: the arguments, the cancellation token,
/// the errors so far; it writes the call's <c>Done</c> frames. One instance is reused for every call, so running a task
/// allocates nothing here.
/// </summary>
/// <remarks>
/// <para><b>Streaming.</b> A call of many items hands its results over while it runs (<see cref="ItemsFinished"/>):
/// one by one once items take 100 µs or more (a write then costs at most a few percent of an item), otherwise in
/// batches at most a millisecond apart. So a result never waits for the rest of its chunk, and a worker that dies in
/// the middle of a chunk has sent every result but the one it was running, unless items are too quick to send alone.
/// The time is read only every so many items, that number adapting so that reads come some 25 µs apart: a chunk of
/// trivial items pays a comparison per item.</para>
/// <para>Frames are written into the host's output buffer under its lock (<c>outputLock</c>), which the host's other
/// threads take to write frames of their own.</para>
/// </remarks>
/// <param name="maxFrameLength">The largest frame the parent accepts.</param>
/// <param name="largeFramesOut">Moves large answers into shared memory.</param>
/// <param name="largeFramesIn">Where large calls arrive; released once their arguments are read.</param>
/// <param name="outputLock">Guards the output buffer.</param>
/// <param name="flushLocked">Writes the output buffer out; called under <paramref name="outputLock"/>.</param>
/// <param name="runCell">Where the worker records that a run's task code begins, for the parent to read if it dies.</param>
/// <param name="streamEachItem">Sends every item's result on its own whatever it took (tests of the pool's policy).</param>
internal sealed class WorkerCall(int maxFrameLength, SharedFrameSender largeFramesOut, SharedFrameReceiver largeFramesIn, object outputLock, Action flushLocked, RunCell? runCell = null, bool streamEachItem = false) : ITaskInvocation
{
    /// <summary>An item that takes at least this long has its result sent on its own.</summary>
    private static readonly long s_slowItemTicks = Stopwatch.Frequency / 10_000;

    /// <summary>Quick items' results are sent at least this often.</summary>
    private static readonly long s_streamIntervalTicks = Stopwatch.Frequency / 1_000;

    /// <summary>The aim for the time between two reads of the clock.</summary>
    private static readonly long s_checkTicks = Stopwatch.Frequency / 40_000;

    private const int MaxStride = 1 << 16;

    private readonly List<RemoteError> _errors = [];
    private FrameBuffer _output = null!;
    private long _started;
    private bool _cancelled;
    private ReadOnlyMemory<byte> _arguments;
    private int _sent;
    private long _sentAt;
    private int _checkedItems;
    private long _checkedAt;
    private int _stride;

    public long RunId { get; private set; }

    public int Count { get; private set; }

    public bool StopOnError { get; private set; }

    public ReadOnlySpan<byte> Arguments => _arguments.Span;

    public CancellationToken CancellationToken { get; private set; }

    /// <summary>Gets how long the last call took, in <see cref="Stopwatch"/> ticks.</summary>
    public long LastElapsedTicks { get; private set; }

    public void Begin(in RunFrame run, CancellationToken cancellationToken, FrameBuffer output)
    {
        RunId = run.RunId;
        Count = run.Count;
        StopOnError = run.StopsOnError;
        _arguments = run.Arguments;
        CancellationToken = cancellationToken;
        _output = output;
        _errors.Clear();
        _cancelled = false;
        _started = Stopwatch.GetTimestamp();
        _sent = 0;
        _sentAt = _started;
        _checkedItems = 0;
        _checkedAt = _started;
        _stride = 1;
    }

    /// <summary>
    /// Says the arguments have been deserialized: a frame in shared memory is released before the task runs, so the
    /// parent can put the next call's arguments there while this one works; and the run cell records that the task's
    /// code begins (a worker that dies before this did nothing with the call).
    /// </summary>
    public void ReleaseArguments()
    {
        _arguments = default;
        largeFramesIn.Release();
        runCell?.Began(RunId);
    }

    public void AddError(int itemIndex, Exception exception) => _errors.Add(RemoteError.From(itemIndex, exception));

    public void MarkCancelled() => _cancelled = true;

    public void FailAll(Exception exception)
    {
        _errors.Clear();
        _errors.Add(RemoteError.From(0, exception));
        _sent = 0;
        lock (outputLock)
        {
            WriteDone<Unit>([], DoneFrame.StatusCompleted);
        }
    }

    public int ItemsFinished<TResult>(ReadOnlySpan<TResult> finished)
    {
        long now = Stopwatch.GetTimestamp();
        if (streamEachItem)
        {
            SendPartial(finished, now);
            return 1;
        }

        int items = finished.Length - _checkedItems;
        long span = now - _checkedAt;
        _checkedItems = finished.Length;
        _checkedAt = now;
        bool slow = span >= s_slowItemTicks * items;
        if (slow || now - _sentAt >= s_streamIntervalTicks)
        {
            SendPartial(finished, now);
        }

        if (slow)
        {
            _stride = 1;
        }
        else if (span < s_checkTicks / 2)
        {
            _stride = Math.Min(_stride * 2, MaxStride);
        }
        else if (span > s_checkTicks * 2)
        {
            _stride = Math.Max(1, _stride / 2);
        }

        return _stride;
    }

    public void Complete<TResult>(ReadOnlySpan<TResult> results)
    {
        lock (outputLock)
        {
            int start = _output.Length;
            try
            {
                WriteDone(results[_sent..], _cancelled ? DoneFrame.StatusCancelled : DoneFrame.StatusCompleted);
            }
            catch (Exception e)
            {
                // A result MemoryPack cannot write must not kill the worker: report it as the call's error instead.
                _output.Truncate(start);
                _output.Limit = int.MaxValue;
                _errors.Clear();
                _errors.Add(RemoteError.From(_sent, new InvalidOperationException($"The result could not be serialized: {Describe(e)}", e)));
                WriteDone<Unit>([], DoneFrame.StatusCompleted);
            }
        }

        LastElapsedTicks = Stopwatch.GetTimestamp() - _started;
    }

    /// <summary>Writes the <c>Done</c> frame of a call skipped because it was cancelled before it started.</summary>
    public void WriteSkipped(long runId, FrameBuffer output)
    {
        RunId = runId;
        _output = output;
        _errors.Clear();
        _cancelled = true;
        _sent = 0;
        _started = Stopwatch.GetTimestamp();
        lock (outputLock)
        {
            WriteDone<Unit>([], DoneFrame.StatusCancelled);
        }

        LastElapsedTicks = 0;
    }

    /// <summary>Sends the results finished since the last frame, and their errors, and writes them out at once.</summary>
    private void SendPartial<TResult>(ReadOnlySpan<TResult> finished, long now)
    {
        if (finished.Length <= _sent)
        {
            return;
        }

        lock (outputLock)
        {
            int start = _output.Length;
            try
            {
                WriteDone(finished[_sent..], DoneFrame.StatusPartial, errorsBefore: finished.Length);
            }
            catch (Exception)
            {
                // Not serializable (or too large): nothing is sent now, and the final frame reports the error.
                _output.Truncate(start);
                _output.Limit = int.MaxValue;
                return;
            }

            flushLocked();
        }

        _sentAt = now;
    }

    /// <summary>Writes a frame for <paramref name="results"/>, the items from <c>_sent</c> on, with their errors.</summary>
    /// <param name="results">The results to send.</param>
    /// <param name="status">The frame's status.</param>
    /// <param name="errorsBefore">Only errors of items before this index go in (those of a partial frame); the others wait.</param>
    private void WriteDone<TResult>(ReadOnlySpan<TResult> results, byte status, int errorsBefore = int.MaxValue)
    {
        int errorCount = 0;
        while (errorCount < _errors.Count && _errors[errorCount].ItemIndex < errorsBefore)
        {
            errorCount++;
        }

        int frame = DoneFrame.Begin(_output, RunId, Stopwatch.GetTimestamp() - _started, status, _sent, _errors, errorCount);
        _output.SpillLargeFrame(frame, largeFramesOut); // large results are serialized straight into shared memory
        _output.Limit = frame + 4 + maxFrameLength;
        try
        {
            Payload.WriteSpan(_output, results);
        }
        finally
        {
            _output.Limit = int.MaxValue;
        }

        DoneFrame.End(_output, frame, maxFrameLength);
        largeFramesOut.TryDivert(_output, frame);
        _errors.RemoveRange(0, errorCount);
        _sent += results.Length;
    }

    private string Describe(Exception e) => e is FrameTooLargeException
        ? $"the results serialize to more than ProcessPoolOptions.MaxMessageSize ({maxFrameLength} bytes)"
        : e.Message;
}
