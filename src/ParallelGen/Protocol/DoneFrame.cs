using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.Done"/> frame, worker to parent: <c>[long runId][long elapsedTicks][byte status][int errorCount]
/// [errors][results]</c>, where <c>results</c> is a MemoryPack span of one result per item that ran (failed items hold
/// their default). Parsed, the results stay serialized until the unit reads them into their destination.
/// </summary>
internal readonly ref struct DoneFrame
{
    /// <summary>Status: the items ran (some may have failed: see the errors).</summary>
    public const byte StatusCompleted = 0;

    /// <summary>Status: the worker stopped or skipped the call after a <c>Cancel</c> frame.</summary>
    public const byte StatusCancelled = 1;

    private DoneFrame(long runId, long elapsedTicks, bool cancelled, List<RemoteError>? errors, ReadOnlySpan<byte> results, int workerPid)
    {
        RunId = runId;
        ElapsedTicks = elapsedTicks;
        Cancelled = cancelled;
        Errors = errors;
        Results = results;
        WorkerPid = workerPid;
    }

    /// <summary>Gets the id of the attempt this answers.</summary>
    public long RunId { get; }

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

    /// <summary>Starts a <c>Done</c> frame with its errors; the caller writes the results, then calls <see cref="End"/>.</summary>
    /// <returns>The frame's start, for <see cref="End"/>.</returns>
    public static int Begin(FrameBuffer buffer, long runId, long elapsedTicks, bool cancelled, IReadOnlyList<RemoteError> errors)
    {
        int start = buffer.BeginFrame((byte)FrameKind.Done);
        buffer.WriteInt64(runId);
        buffer.WriteInt64(elapsedTicks);
        buffer.WriteByte(cancelled ? StatusCancelled : StatusCompleted);
        buffer.WriteInt32(errors.Count);
        foreach (RemoteError error in errors)
        {
            error.WriteTo(buffer);
        }

        return start;
    }

    /// <summary>Completes the frame started at <paramref name="start"/>.</summary>
    /// <exception cref="InvalidOperationException">
    /// The frame is longer than <paramref name="maxFrameLength"/>, which the parent would take for a corrupt stream; the
    /// caller fails the call instead.
    /// </exception>
    public static void End(FrameBuffer buffer, int start, int maxFrameLength)
    {
        int length = buffer.Length - start - 4;
        if (length > maxFrameLength)
        {
            throw new InvalidOperationException(
                $"the results serialize to {length} bytes, more than ProcessPoolOptions.MaxMessageSize ({maxFrameLength})");
        }

        buffer.EndFrame(start);
    }

    /// <exception cref="InvalidDataException">The frame is corrupt.</exception>
    public static DoneFrame Parse(ReadOnlySpan<byte> body, int workerPid)
    {
        long runId = SpanReader.ReadInt64(ref body);
        long elapsed = SpanReader.ReadInt64(ref body);
        bool cancelled = body[0] == StatusCancelled;
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

        return new DoneFrame(runId, elapsed, cancelled, errors, body, workerPid);
    }

    /// <summary>Builds the exception for one failed item; <paramref name="firstInputIndex"/> is the unit's offset in a bulk call's input.</summary>
    public RemoteTaskException ToException(RemoteError error, string taskName, long? firstInputIndex = null) =>
        new(error.TypeName, error.Message, error.StackTrace, taskName, WorkerPid, firstInputIndex + error.ItemIndex, error.BaseTypeNames.Split(';', StringSplitOptions.RemoveEmptyEntries));
}
