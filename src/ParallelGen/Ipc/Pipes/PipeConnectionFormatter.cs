namespace ParallelGen;

/// <summary>Serializes a <see cref="PipeConnection{T}"/> as the names of its two buffers and the sending process.</summary>
/// <typeparam name="T">The type of the messages.</typeparam>
/// <remarks>
/// Serializing counts a hold of the end by the sending process (in transit); the receiving process takes it over when
/// it deserializes, so the end is never unheld in between, even if the sender closes its own copy at once.
/// </remarks>
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

        (ProcessQueue<T>? send, ProcessQueue<T>? receive) = value.Lend();
        writer.WriteObjectHeader(3);
        s_queue.Serialize(ref writer, ref send);
        s_queue.Serialize(ref writer, ref receive);
        writer.WriteUnmanaged(Environment.ProcessId);
    }

    /// <inheritdoc/>
    public override void Deserialize(ref MemoryPack.MemoryPackReader reader, scoped ref PipeConnection<T>? value)
    {
        if (!reader.TryReadObjectHeader(out byte count) || count != 3)
        {
            value = null;
            return;
        }

        ProcessQueue<T>? send = null;
        ProcessQueue<T>? receive = null;
        s_queue.Deserialize(ref reader, ref send);
        s_queue.Deserialize(ref reader, ref receive);
        reader.ReadUnmanaged(out int sender);
        value = new PipeConnection<T>(send, receive, transitFrom: sender);
    }

    /// <summary>Registers this formatter with MemoryPack (see <see cref="Ipc.SharedObjectFormatter{T}"/>'s <c>Register</c>).</summary>
    internal static void Register() => MemoryPack.MemoryPackFormatterProvider.Register(new PipeConnectionFormatter<T>());
}
