using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.Done"/> frame, worker to parent: <c>[long runId][long elapsedTicks][byte status][int firstItem]
/// [int errorCount][errors][results]</c>, where <c>results</c> is a MemoryPack span of one result per item that ran from
/// <c>firstItem</c> on (failed items hold their default). Parsed, the results stay serialized until the unit reads
/// them into their destination.
/// </summary>
/// <remarks>
/// A run of many items may be answered in several frames: <see cref="StatusPartial"/> ones while it still runs, each
/// carrying the items finished since the one before, then the final one with the rest. Error indexes count from the
/// run's first item, whichever frame carries them.
/// </remarks>
internal readonly ref struct DoneFrame
{
    /// <summary>Status: the items ran (some may have failed: see the errors).</summary>
    public const byte StatusCompleted = 0;

    /// <summary>Status: the worker stopped or skipped the call after a <c>Cancel</c> frame.</summary>
    public const byte StatusCancelled = 1;

    /// <summary>Status: the run goes on; these are the items it finished since the last frame, and more frames follow.</summary>
    public const byte StatusPartial = 2;

    private DoneFrame(long runId, long elapsedTicks, byte status, int firstItem, List<RemoteError>? errors, ReadOnlySpan<byte> results, int workerPid)
    {
        RunId = runId;
        ElapsedTicks = elapsedTicks;
        Status = status;
        FirstItem = firstItem;
        Errors = errors;
        Results = results;
        WorkerPid = workerPid;
    }

    /// <summary>Gets the id of the attempt this answers.</summary>
    public long RunId { get; }

    /// <summary>Gets how long the worker spent on the unit, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long ElapsedTicks { get; }

    /// <summary>Gets the status byte: <see cref="StatusCompleted"/>, <see cref="StatusCancelled"/> or <see cref="StatusPartial"/>.</summary>
    public byte Status { get; }

    /// <summary>Gets whether the worker stopped or skipped the unit after a <c>Cancel</c> frame.</summary>
    public bool Cancelled => Status == StatusCancelled;

    /// <summary>Gets whether the run goes on and more frames for it follow.</summary>
    public bool IsPartial => Status == StatusPartial;

    /// <summary>Gets the index, within the run, of the item the first result belongs to.</summary>
    public int FirstItem { get; }

    /// <summary>Gets the failed items, or <see langword="null"/> when every item that ran succeeded.</summary>
    public List<RemoteError>? Errors { get; }

    /// <summary>Gets the MemoryPack span of results, one per item that ran.</summary>
    public ReadOnlySpan<byte> Results { get; }

    public int WorkerPid { get; }

    /// <summary>Gets the number of results in <see cref="Results"/>.</summary>
    public int ResultCount => Payload.ReadCount(Results);

    /// <summary>Starts a <c>Done</c> frame with its errors; the caller writes the results, then calls <see cref="End"/>.</summary>
    /// <returns>The frame's start, for <see cref="End"/>.</returns>
    /// <param name="buffer">Where the frame goes.</param>
    /// <param name="runId">The run it answers.</param>
    /// <param name="elapsedTicks">How long the run has taken so far.</param>
    /// <param name="status">One of the status constants.</param>
    /// <param name="firstItem">The index in the run of the first result that follows.</param>
    /// <param name="errors">The errors to write: those of <paramref name="errorCount"/> from the start of the list.</param>
    /// <param name="errorCount">How many of <paramref name="errors"/> belong to this frame.</param>
    public static int Begin(FrameBuffer buffer, long runId, long elapsedTicks, byte status, int firstItem, IReadOnlyList<RemoteError> errors, int errorCount)
    {
        int start = buffer.BeginFrame((byte)FrameKind.Done);
        buffer.WriteInt64(runId);
        buffer.WriteInt64(elapsedTicks);
        buffer.WriteByte(status);
        buffer.WriteInt32(firstItem);
        buffer.WriteInt32(errorCount);
        for (int i = 0; i < errorCount; i++)
        {
            errors[i].WriteTo(buffer);
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
        byte status = body[0];
        body = body[1..];
        if (status > StatusPartial)
        {
            throw new InvalidDataException($"Worker {workerPid} answered call {runId} with status {status}.");
        }

        int firstItem = SpanReader.ReadInt32(ref body);
        if (firstItem < 0)
        {
            throw new InvalidDataException($"Worker {workerPid} answered call {runId} from item {firstItem}.");
        }

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

        return new DoneFrame(runId, elapsed, status, firstItem, errors, body, workerPid);
    }

    /// <summary>Builds the exception for one failed item; <paramref name="firstInputIndex"/> is the unit's offset in a bulk call's input.</summary>
    public RemoteTaskException ToException(RemoteError error, string taskName, long? firstInputIndex = null) =>
        new(error.TypeName, error.Message, error.StackTrace, taskName, WorkerPid, firstInputIndex + error.ItemIndex, error.BaseTypeNames.Split(';', StringSplitOptions.RemoveEmptyEntries));
}
