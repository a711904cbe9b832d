using ParallelGen.Backends;
using ParallelGen.Transport;

namespace ParallelGen.Wire;

/// <summary>The records a coordinator sends a node: written into a batch, read back by <see cref="Read"/>.</summary>
internal static class ToNode
{
    /// <summary>Bytes a run record takes besides its arguments.</summary>
    public const int RunOverhead = 1 + 4 + 8 + 8 + 1 + 4;

    public static void OpenLane(FrameBuffer batch, int lane) => RecordHeader.Write(batch, RecordKind.OpenLane, lane);

    public static void CloseLane(FrameBuffer batch, int lane) => RecordHeader.Write(batch, RecordKind.CloseLane, lane);

    public static void KillLane(FrameBuffer batch, int lane) => RecordHeader.Write(batch, RecordKind.KillLane, lane);

    public static void Cancel(FrameBuffer batch, int lane, long runId)
    {
        RecordHeader.Write(batch, RecordKind.Cancel, lane);
        batch.WriteInt64(runId);
    }

    /// <summary>Writes a run; on an exception (arguments that cannot be serialized, or are too large) nothing is written.</summary>
    /// <exception cref="InvalidOperationException">The arguments are larger than <paramref name="maxArgumentBytes"/>.</exception>
    public static void Run(FrameBuffer batch, int lane, IRunRequest request, int maxArgumentBytes)
    {
        int start = batch.Length;
        RecordHeader.Write(batch, RecordKind.Run, lane);
        batch.WriteInt64(request.RunId);
        batch.WriteUInt64(request.Task.Id.Value);
        batch.WriteByte(request.Flags);
        int lengthAt = batch.Length;
        batch.WriteInt32(0);
        try
        {
            request.WriteArguments(batch);
        }
        catch
        {
            batch.Truncate(start);
            throw;
        }

        int length = batch.Length - lengthAt - 4;
        if (length > maxArgumentBytes)
        {
            batch.Truncate(start);
            throw new InvalidOperationException(
                $"The arguments of {request.Task.Name} serialize to {length} bytes, more than ClusterPoolOptions.MaxMessageSize ({maxArgumentBytes}) allows in one cluster message.");
        }

        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(batch.GetSpanAt(lengthAt)[..4], length);
    }

    /// <summary>Reads the records of a batch, in order.</summary>
    /// <exception cref="InvalidDataException">The batch is corrupt.</exception>
    public static void Read(ReadOnlyMemory<byte> batch, INodeRecords handler)
    {
        int offset = 0;
        ReadOnlySpan<byte> all = batch.Span;
        while (offset < all.Length)
        {
            ReadOnlySpan<byte> rest = all[offset..];
            (RecordKind kind, int lane) = RecordHeader.Read(ref rest);
            switch (kind)
            {
                case RecordKind.OpenLane:
                    handler.OpenLane(lane);
                    break;
                case RecordKind.CloseLane:
                    handler.CloseLane(lane);
                    break;
                case RecordKind.KillLane:
                    handler.KillLane(lane);
                    break;
                case RecordKind.Cancel:
                    handler.Cancel(lane, SpanReader.ReadInt64(ref rest));
                    break;
                case RecordKind.Run:
                    long runId = SpanReader.ReadInt64(ref rest);
                    ulong taskId = SpanReader.ReadUInt64(ref rest);
                    byte flags = rest[0];
                    rest = rest[1..];
                    int length = SpanReader.ReadInt32(ref rest);
                    if (length < 0 || length > rest.Length)
                    {
                        throw new InvalidDataException($"A run record claims {length} bytes of arguments in {rest.Length}.");
                    }

                    int argumentsAt = offset + (all.Length - offset) - rest.Length;
                    handler.Run(lane, runId, taskId, flags, batch.Slice(argumentsAt, length));
                    rest = rest[length..];
                    break;
                default:
                    throw new InvalidDataException($"Unknown cluster record kind {(byte)kind} sent to a node.");
            }

            offset = all.Length - rest.Length;
        }
    }
}
