using ParallelGen.Dispatch;

namespace ParallelGen;

/// <summary>One end of a <see cref="ProcessPipe"/> (Python's <c>Connection</c>): send to and receive from the other end.</summary>
/// <typeparam name="T">The type of the messages.</typeparam>
/// <remarks>
/// <see cref="Close"/> (or <see cref="Dispose"/>) tells the other end that nothing more will come: once it has
/// received everything sent before, its <see cref="Receive()"/> throws <see cref="EndOfStreamException"/>.
/// </remarks>
[CrossProcessType(typeof(PipeConnectionFormatter<>))]
public sealed class PipeConnection<T> : IDisposable
{
    internal PipeConnection(ProcessQueue<T>? send, ProcessQueue<T>? receive)
    {
        SendQueue = send;
        ReceiveQueue = receive;
    }

    /// <summary>Gets whether this end can send.</summary>
    public bool CanSend => SendQueue is not null;

    /// <summary>Gets whether this end can receive.</summary>
    public bool CanReceive => ReceiveQueue is not null;

    internal ProcessQueue<T>? SendQueue { get; }

    internal ProcessQueue<T>? ReceiveQueue { get; }

    /// <summary>Sends a message to the other end, waiting while the pipe's buffer is full.</summary>
    /// <exception cref="InvalidOperationException">This end only receives.</exception>
    public void Send(T message) => (SendQueue ?? throw new InvalidOperationException("This end of the pipe only receives.")).Put(message);

    /// <summary>Receives the next message, waiting for it.</summary>
    /// <exception cref="EndOfStreamException">The other end was closed and everything it sent has been received.</exception>
    public T Receive() => Receive(Timeout.InfiniteTimeSpan);

    /// <summary>Receives the next message, waiting up to <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">Nothing arrived in time.</exception>
    /// <exception cref="EndOfStreamException">The other end was closed and everything it sent has been received.</exception>
    public T Receive(TimeSpan timeout) => (ReceiveQueue ?? throw new InvalidOperationException("This end of the pipe only sends.")).Get(timeout);

    /// <summary>Waits up to <paramref name="timeout"/> until a message can be received (or the other end is closed).</summary>
    /// <returns>Whether <see cref="Receive()"/> would return or throw at once.</returns>
    public bool Poll(TimeSpan timeout) => (ReceiveQueue ?? throw new InvalidOperationException("This end of the pipe only sends.")).WaitReadable(timeout);

    /// <summary>Tells the other end that nothing more will be sent from here.</summary>
    public void Close()
    {
        // The buffer may already be gone when the other end was disposed first in this process: nothing to tell then.
        if (SendQueue is { } send && !send.Memory.IsDisposed)
        {
            send.MarkWriterClosed();
        }
    }

    /// <summary>Closes this end (<see cref="Close"/>) and frees the buffer it receives from (in the process that created the pipe).</summary>
    public void Dispose()
    {
        Close();
        if (ReceiveQueue is { Memory.IsOwner: true } receive)
        {
            receive.Dispose();
        }
    }
}

/// <summary>Serializes a <see cref="PipeConnection{T}"/> as the names of its two buffers.</summary>
/// <typeparam name="T">The type of the messages.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class PipeConnectionFormatter<T> : MemoryPack.MemoryPackFormatter<PipeConnection<T>>
{
    private static readonly ProcessQueueFormatter<T> s_queue = new();

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
