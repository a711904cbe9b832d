using System.Diagnostics;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Worker;

/// <summary>
/// The worker-side state of one <c>Run</c> frame while its task executes: the arguments, the cancellation token,
/// the errors so far. One instance is reused for every call, so running a task allocates nothing here.
/// </summary>
/// <remarks>
/// Writes the <c>Done</c> frame: <c>[long callId][long elapsedTicks][byte status][int errorCount][errors][results]</c>,
/// where <c>results</c> is a MemoryPack span of one result per item that ran (failed items hold their default).
/// </remarks>
internal sealed class WorkerCall(int maxFrameLength, SharedFrameSender largeFramesOut, SharedFrameReceiver largeFramesIn)
{
    public const byte StatusCompleted = 0;
    public const byte StatusCancelled = 1;

    private readonly List<RemoteError> _errors = [];
    private FrameBuffer _output = null!;
    private long _started;
    private bool _cancelled;

    public long CallId { get; private set; }

    public int Count { get; private set; }

    public bool StopOnError { get; private set; }

    public ReadOnlySpan<byte> Arguments => ArgumentsMemory.Span;

    public CancellationToken CancellationToken { get; private set; }

    private ReadOnlyMemory<byte> ArgumentsMemory { get; set; }

    public void Begin(long callId, int count, bool stopOnError, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken, FrameBuffer output)
    {
        CallId = callId;
        Count = count;
        StopOnError = stopOnError;
        ArgumentsMemory = arguments;
        CancellationToken = cancellationToken;
        _output = output;
        _errors.Clear();
        _cancelled = false;
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Says the arguments have been deserialized: a frame in shared memory is released before the task runs, so the
    /// parent can put the next call's arguments there while this one works.
    /// </summary>
    public void ReleaseArguments()
    {
        ArgumentsMemory = default;
        largeFramesIn.Release();
    }

    public void AddError(int itemIndex, Exception exception) => _errors.Add(RemoteError.From(itemIndex, exception));

    public void MarkCancelled() => _cancelled = true;

    /// <summary>Fails every item of the call with the same error (bad arguments, unknown task).</summary>
    public void FailAll(Exception exception)
    {
        _errors.Clear();
        _errors.Add(RemoteError.From(0, exception));
        WriteDone<Unit>([]);
    }

    /// <summary>Writes the <c>Done</c> frame for the items that ran.</summary>
    public void Complete<TResult>(ReadOnlySpan<TResult> results)
    {
        int start = _output.Length;
        try
        {
            WriteDone(results);
        }
        catch (Exception e)
        {
            // A result MemoryPack cannot write must not kill the worker: report it as the call's error instead.
            _output.Truncate(start);
            _errors.Clear();
            _errors.Add(RemoteError.From(0, new InvalidOperationException($"The result could not be serialized: {e.Message}", e)));
            WriteDone<Unit>([]);
        }
    }

    /// <summary>Writes the <c>Done</c> frame of a call skipped because it was cancelled before it started.</summary>
    public void WriteSkipped(long callId, FrameBuffer output)
    {
        CallId = callId;
        _output = output;
        _errors.Clear();
        _cancelled = true;
        _started = Stopwatch.GetTimestamp();
        WriteDone<Unit>([]);
    }

    private void WriteDone<TResult>(ReadOnlySpan<TResult> results)
    {
        int frame = _output.BeginFrame((byte)FrameKind.Done);
        _output.WriteInt64(CallId);
        _output.WriteInt64(Stopwatch.GetTimestamp() - _started);
        _output.WriteByte(_cancelled ? StatusCancelled : StatusCompleted);
        _output.WriteInt32(_errors.Count);
        foreach (RemoteError error in _errors)
        {
            error.WriteTo(_output);
        }

        Payload.WriteSpan(_output, results);
        if (_output.Length - frame - 4 > maxFrameLength)
        {
            // The parent would take a frame this long for a corrupt stream: fail the call instead (see Complete).
            throw new InvalidOperationException(
                $"the results serialize to {_output.Length - frame - 4} bytes, more than ProcessPoolOptions.MaxMessageSize ({maxFrameLength})");
        }

        _output.EndFrame(frame);
        largeFramesOut.TryDivert(_output, frame);
    }
}
