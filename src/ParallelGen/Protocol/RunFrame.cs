using System.Diagnostics;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>
/// A <see cref="FrameKind.Run"/> frame, parent to worker: <c>[long runId][ulong taskId][byte flags][trace context]
/// [arguments]</c>, where the arguments are a MemoryPack span of one argument value per item, and the trace context is
/// there only with the <see cref="HasTraceContext"/> flag: the W3C <c>traceparent</c> fields of the caller's span,
/// <c>[16 bytes trace id][8 bytes span id][byte trace flags][string tracestate]</c>, so that the task's spans in the
/// worker join the caller's trace.
/// </summary>
internal readonly struct RunFrame
{
    /// <summary>The bytes before the arguments.</summary>
    public const int HeaderLength = 17;

    /// <summary>Flag: stop at the first item that throws (bulk calls); the rest of the chunk does not run.</summary>
    public const byte StopOnError = 0x01;

    /// <summary>Flag: the call is part of the worker's start (the initializer): <c>TaskTimeout</c> does not apply to it.</summary>
    public const byte Startup = 0x02;

    /// <summary>Flag: a trace context follows the header (someone traces the call).</summary>
    public const byte HasTraceContext = 0x04;

    /// <summary>The bytes of a trace context without its trace state: trace id, span id, flags, and the state's length.</summary>
    private const int TraceContextLength = 16 + 8 + 1 + 4;

    private RunFrame(long runId, ulong taskId, byte flags, ActivityContext? traceContext, ReadOnlyMemory<byte> arguments, int count)
    {
        RunId = runId;
        TaskId = taskId;
        Flags = flags;
        TraceContext = traceContext;
        Arguments = arguments;
        Count = count;
    }

    /// <summary>Gets the id of this attempt at the call; its <c>Done</c> frame carries it back.</summary>
    public long RunId { get; }

    /// <summary>Gets the task's id (<c>TaskId</c>): which descriptor runs the items.</summary>
    public ulong TaskId { get; }

    public byte Flags { get; }

    /// <summary>Gets the context of the caller's span for this run, or <see langword="null"/> if nobody traces it.</summary>
    public ActivityContext? TraceContext { get; }

    /// <summary>Gets the serialized arguments, valid as long as the frame body they were parsed from.</summary>
    public ReadOnlyMemory<byte> Arguments { get; }

    /// <summary>Gets the number of items, read from the arguments' length prefix.</summary>
    public int Count { get; }

    public bool StopsOnError => (Flags & StopOnError) != 0;

    public bool IsStartup => (Flags & Startup) != 0;

    /// <summary>Starts a <c>Run</c> frame; the caller writes the arguments, then calls <see cref="End"/>.</summary>
    /// <param name="buffer">Where the frame goes.</param>
    /// <param name="runId">The attempt's id.</param>
    /// <param name="taskId">The task's id.</param>
    /// <param name="flags">The flags; <see cref="HasTraceContext"/> is set here when <paramref name="traceContext"/> is given.</param>
    /// <param name="traceContext">The context of the run's span in the parent, or default if it has none.</param>
    /// <returns>The frame's start, for <see cref="End"/>.</returns>
    public static int Begin(FrameBuffer buffer, long runId, ulong taskId, byte flags, in ActivityContext traceContext = default)
    {
        bool traced = traceContext != default;
        int start = buffer.BeginFrame((byte)FrameKind.Run);
        buffer.WriteInt64(runId);
        buffer.WriteUInt64(taskId);
        buffer.WriteByte(traced ? (byte)(flags | HasTraceContext) : (byte)(flags & ~HasTraceContext));
        if (traced)
        {
            Span<byte> ids = buffer.GetSpan(25);
            // CopyTo fills the whole destination, so each gets exactly its length.
            traceContext.TraceId.CopyTo(ids[..16]);
            traceContext.SpanId.CopyTo(ids.Slice(16, 8));
            ids[24] = (byte)traceContext.TraceFlags;
            buffer.Advance(25);
            buffer.WriteString(traceContext.TraceState ?? "");
        }

        return start;
    }

    /// <summary>Completes the frame started at <paramref name="start"/>.</summary>
    /// <exception cref="InvalidOperationException">The frame is longer than <paramref name="maxFrameLength"/>; it was removed from the buffer.</exception>
    public static void End(FrameBuffer buffer, int start, int maxFrameLength, string taskName)
    {
        int length = buffer.Length - start - 4;
        if (length > maxFrameLength)
        {
            buffer.Truncate(start);
            throw new InvalidOperationException(
                $"The arguments of {taskName} serialize to {length} bytes, more than ProcessPoolOptions.MaxMessageSize ({maxFrameLength}).");
        }

        buffer.EndFrame(start);
    }

    /// <exception cref="InvalidDataException">The frame is too short, or claims more items than it has bytes.</exception>
    public static RunFrame Parse(ReadOnlyMemory<byte> body)
    {
        if (body.Length < HeaderLength)
        {
            throw new InvalidDataException($"A Run frame of {body.Length} bytes is shorter than its header.");
        }

        ReadOnlySpan<byte> span = body.Span;
        long runId = SpanReader.ReadInt64(ref span);
        ulong taskId = SpanReader.ReadUInt64(ref span);
        byte flags = span[0];
        span = span[1..];
        ActivityContext? trace = null;
        if ((flags & HasTraceContext) != 0)
        {
            if (span.Length < TraceContextLength)
            {
                throw new InvalidDataException($"A Run frame of {body.Length} bytes is shorter than its trace context.");
            }

            ActivityTraceId traceId = ActivityTraceId.CreateFromBytes(span[..16]);
            ActivitySpanId spanId = ActivitySpanId.CreateFromBytes(span.Slice(16, 8));
            ActivityTraceFlags traceFlags = (ActivityTraceFlags)span[24];
            span = span[25..];
            string state = SpanReader.ReadString(ref span);
            trace = new ActivityContext(traceId, spanId, traceFlags, state.Length == 0 ? null : state, isRemote: true);
        }

        ReadOnlyMemory<byte> arguments = body[(body.Length - span.Length)..];
        int count = Payload.ReadCount(arguments.Span);
        if (count < 0 || count > arguments.Length)
        {
            // Every item takes at least a byte: checked before the task rents arrays of this length.
            throw new InvalidDataException($"A Run frame claims {count} items in {arguments.Length} bytes.");
        }

        return new RunFrame(runId, taskId, flags, trace, arguments, count);
    }
}
