using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Wire;

/// <summary>The records a node sends its coordinator: written into a batch, read back by <see cref="Read"/>.</summary>
internal static class ToCoordinator
{
    private const int NoExitCode = int.MinValue;

    public static void LaneReady(FrameBuffer batch, int lane) => RecordHeader.Write(batch, RecordKind.LaneReady, lane);

    public static void LaneClosed(FrameBuffer batch, int lane) => RecordHeader.Write(batch, RecordKind.LaneClosed, lane);

    public static void LaneFailed(FrameBuffer batch, int lane, string reason)
    {
        RecordHeader.Write(batch, RecordKind.LaneFailed, lane);
        batch.WriteString(reason);
    }

    /// <summary>Writes a run's answer under the coordinator's run id <paramref name="runId"/>.</summary>
    /// <exception cref="InvalidOperationException">The answer is larger than <paramref name="maxFrameLength"/>; nothing was written.</exception>
    public static void Done(FrameBuffer batch, int lane, long runId, in DoneFrame done, int maxFrameLength)
    {
        int start = batch.Length;
        RecordHeader.Write(batch, RecordKind.Done, lane);
        batch.WriteInt32(done.WorkerPid);
        int frame = DoneFrame.Begin(batch, runId, done.ElapsedTicks, done.Cancelled, done.Errors ?? (IReadOnlyList<RemoteError>)[]);
        batch.Write(done.Results);
        try
        {
            DoneFrame.End(batch, frame, maxFrameLength);
        }
        catch
        {
            batch.Truncate(start);
            throw;
        }
    }

    /// <summary>Writes the answer of a run that was cancelled before it started: no item ran.</summary>
    public static void Cancelled(FrameBuffer batch, int lane, long runId)
    {
        RecordHeader.Write(batch, RecordKind.Done, lane);
        batch.WriteInt32(0);
        int frame = DoneFrame.Begin(batch, runId, 0, cancelled: true, []);
        batch.WriteInt32(0); // an empty MemoryPack span of results
        batch.EndFrame(frame);
    }

    /// <summary>Writes the answer of a run whose every item failed with <paramref name="error"/> before it could start (an unknown task).</summary>
    public static void Refused(FrameBuffer batch, int lane, long runId, RemoteError error)
    {
        RecordHeader.Write(batch, RecordKind.Done, lane);
        batch.WriteInt32(0);
        int frame = DoneFrame.Begin(batch, runId, 0, cancelled: false, [error]);
        batch.WriteInt32(0);
        batch.EndFrame(frame);
    }

    public static void Failed(FrameBuffer batch, int lane, long runId, RunOutcome outcome, int workerPid, int? exitCode, string detail)
    {
        RecordHeader.Write(batch, RecordKind.Failed, lane);
        batch.WriteInt64(runId);
        batch.WriteByte((byte)outcome);
        batch.WriteInt32(workerPid);
        batch.WriteInt32(exitCode ?? NoExitCode);
        batch.WriteString(detail);
    }

    /// <summary>Reads the records of a batch, in order.</summary>
    /// <exception cref="InvalidDataException">The batch is corrupt.</exception>
    public static void Read(ReadOnlyMemory<byte> batch, ICoordinatorRecords handler)
    {
        ReadOnlySpan<byte> all = batch.Span;
        ReadOnlySpan<byte> rest = all;
        while (rest.Length > 0)
        {
            (RecordKind kind, int lane) = RecordHeader.Read(ref rest);
            switch (kind)
            {
                case RecordKind.LaneReady:
                    handler.LaneReady(lane);
                    break;
                case RecordKind.LaneClosed:
                    handler.LaneClosed(lane);
                    break;
                case RecordKind.LaneFailed:
                    handler.LaneFailed(lane, SpanReader.ReadString(ref rest));
                    break;
                case RecordKind.Done:
                    int pid = SpanReader.ReadInt32(ref rest);
                    int length = SpanReader.ReadInt32(ref rest);
                    if (length < 1 || length > rest.Length || rest[0] != (byte)FrameKind.Done)
                    {
                        throw new InvalidDataException($"A Done record claims a frame of {length} bytes in {rest.Length}.");
                    }

                    int bodyAt = all.Length - rest.Length + 1;
                    handler.Done(lane, pid, batch.Slice(bodyAt, length - 1));
                    rest = rest[length..];
                    break;
                case RecordKind.Failed:
                    long runId = SpanReader.ReadInt64(ref rest);
                    RunOutcome outcome = (RunOutcome)rest[0];
                    rest = rest[1..];
                    int workerPid = SpanReader.ReadInt32(ref rest);
                    int exitCode = SpanReader.ReadInt32(ref rest);
                    string detail = SpanReader.ReadString(ref rest);
                    handler.Failed(lane, runId, outcome, workerPid, exitCode == NoExitCode ? null : exitCode, detail);
                    break;
                default:
                    throw new InvalidDataException($"Unknown cluster record kind {(byte)kind} sent to a coordinator.");
            }
        }
    }
}
