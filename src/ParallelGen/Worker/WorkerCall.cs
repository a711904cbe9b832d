using System.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Worker;

/// <summary>
/// The worker-side state of one <c>Run</c> frame while its task executes: the arguments, the cancellation token,
/// the errors so far; it writes the call's <c>Done</c> frame. One instance is reused for every call, so running a task
/// allocates nothing here.
/// </summary>
internal sealed class WorkerCall(int maxFrameLength, SharedFrameSender largeFramesOut, SharedFrameReceiver largeFramesIn) : ITaskInvocation
{
    private readonly List<RemoteError> _errors = [];
    private FrameBuffer _output = null!;
    private long _started;
    private bool _cancelled;
    private ReadOnlyMemory<byte> _arguments;

    public long RunId { get; private set; }

    public int Count { get; private set; }

    public bool StopOnError { get; private set; }

    public ReadOnlySpan<byte> Arguments => _arguments.Span;

    public CancellationToken CancellationToken { get; private set; }

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
    }

    /// <summary>
    /// Says the arguments have been deserialized: a frame in shared memory is released before the task runs, so the
    /// parent can put the next call's arguments there while this one works.
    /// </summary>
    public void ReleaseArguments()
    {
        _arguments = default;
        largeFramesIn.Release();
    }

    public void AddError(int itemIndex, Exception exception) => _errors.Add(RemoteError.From(itemIndex, exception));

    public void MarkCancelled() => _cancelled = true;

    public void FailAll(Exception exception)
    {
        _errors.Clear();
        _errors.Add(RemoteError.From(0, exception));
        WriteDone<Unit>([]);
    }

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
    public void WriteSkipped(long runId, FrameBuffer output)
    {
        RunId = runId;
        _output = output;
        _errors.Clear();
        _cancelled = true;
        _started = Stopwatch.GetTimestamp();
        WriteDone<Unit>([]);
    }

    private void WriteDone<TResult>(ReadOnlySpan<TResult> results)
    {
        int frame = DoneFrame.Begin(_output, RunId, Stopwatch.GetTimestamp() - _started, _cancelled, _errors);
        Payload.WriteSpan(_output, results);
        DoneFrame.End(_output, frame, maxFrameLength);
        largeFramesOut.TryDivert(_output, frame);
    }
}
