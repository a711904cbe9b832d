using ParallelGen.Serialization;
using ParallelGen.Transport;
using ParallelGen.Worker;

namespace ParallelGen.Protocol;

/// <summary>A parsed <c>Done</c> frame; the results stay serialized until the unit reads them into their destination.</summary>
internal readonly ref struct DoneFrame
{
    private DoneFrame(long callId, long elapsedTicks, bool cancelled, List<RemoteError>? errors, ReadOnlySpan<byte> results, int workerPid)
    {
        CallId = callId;
        ElapsedTicks = elapsedTicks;
        Cancelled = cancelled;
        Errors = errors;
        Results = results;
        WorkerPid = workerPid;
    }

    public long CallId { get; }

    /// <summary>Gets how long the worker spent on the unit, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long ElapsedTicks { get; }

    /// <summary>Gets whether the worker stopped or skipped the unit after a <c>Cancel</c> frame.</summary>
    public bool Cancelled { get; }

    /// <summary>Gets the failed items, or <see langword="null"/> when every item that ran succeeded.</summary>
    public List<RemoteError>? Errors { get; }

    /// <summary>Gets the MemoryPack span of results, one per item that ran.</summary>
    public ReadOnlySpan<byte> Results { get; }

    public int WorkerPid { get; }

    /// <summary>Gets the number of results in <see cref="Results"/>.</summary>
    public int ResultCount => Payload.ReadCount(Results);

    public static DoneFrame Parse(ReadOnlySpan<byte> body, int workerPid)
    {
        long callId = SpanReader.ReadInt64(ref body);
        long elapsed = SpanReader.ReadInt64(ref body);
        bool cancelled = body[0] == WorkerCall.StatusCancelled;
        body = body[1..];
        int errorCount = SpanReader.ReadInt32(ref body);
        if (errorCount < 0 || errorCount > body.Length / RemoteError.MinimumSize)
        {
            // Checked before allocating: a corrupt count must not reserve room for billions of errors.
            throw new InvalidDataException($"Worker {workerPid} reported {errorCount} errors in {body.Length} bytes.");
        }

        List<RemoteError>? errors = null;
        if (errorCount > 0)
        {
            errors = new List<RemoteError>(errorCount);
            for (int i = 0; i < errorCount; i++)
            {
                errors.Add(RemoteError.ReadFrom(ref body));
            }
        }

        return new DoneFrame(callId, elapsed, cancelled, errors, body, workerPid);
    }

    /// <summary>Builds the exception for one failed item; <paramref name="firstInputIndex"/> is the unit's offset in a bulk call's input.</summary>
    public RemoteTaskException ToException(RemoteError error, string taskName, long? firstInputIndex = null) =>
        new(error.TypeName, error.Message, error.StackTrace, taskName, WorkerPid, firstInputIndex + error.ItemIndex);
}
