namespace ParallelGen;

/// <summary>Serializes a <see cref="PipeConnection{T}"/> as the names of its two buffers.</summary>
/// <typeparam name="T">The type of the messages.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class PipeConnectionFormatter<T> : MemoryPack.MemoryPackFormatter<PipeConnection<T>>
{
    private static readonly Ipc.SharedObjectFormatter<ProcessQueue<T>> s_queue = new();

    /// <inheritdoc/>
    public override void Serialize<TBufferWriter>(ref MemoryPack.MemoryPackWriter<TBufferWriter> writer, scoped ref PipeConnection<T>? value)
    {
        if (value is null)
        {
            writer.WriteNullObjectHeader();
            return;
        }

        writer.WriteObjectHeader(2);
        ProcessQueue<T>? send = value.SendQueue;
        ProcessQueue<T>? receive = value.ReceiveQueue;
        s_queue.Serialize(ref writer, ref send);
        s_queue.Serialize(ref writer, ref receive);
    }

    /// <inheritdoc/>
    public override void Deserialize(ref MemoryPack.MemoryPackReader reader, scoped ref PipeConnection<T>? value)
    {
        if (!reader.TryReadObjectHeader(out _))
        {
            value = null;
            return;
        }

        ProcessQueue<T>? send = null;
        ProcessQueue<T>? receive = null;
        s_queue.Deserialize(ref reader, ref send);
        s_queue.Deserialize(ref reader, ref receive);
        value = new PipeConnection<T>(send, receive);
    }
}
