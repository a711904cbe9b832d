using ParallelGen.Dispatch;

namespace ParallelGen;

/// <summary>One end of a <see cref="ProcessPipe"/> (Python's <c>Connection</c>): send to and receive from the other end.</summary>
/// <typeparam name="T">The type of the messages.</typeparam>
/// <remarks>
/// <para><see cref="Close"/> (or <see cref="Dispose"/>) tells the other end that nothing more will come: once it has
/// received everything sent before, its <see cref="Receive()"/> throws <see cref="EndOfStreamException"/>.</para>
/// <para>The same happens when the process holding the other end exits without closing it (killed, crashed): an end
/// belongs to the process that last received it as an argument (or that created the pipe), and a waiting
/// <see cref="Receive()"/> notices within about 100 ms that it is gone. A <see cref="Send"/> that waits for room in
/// the buffer of an end whose process has exited throws <see cref="IOException"/> (Python's <c>BrokenPipeError</c>).</para>
/// </remarks>
[CrossProcessType(typeof(PipeConnectionFormatter<>))]
public sealed class PipeConnection<T> : IDisposable
{
    /// <summary>Makes an end, held from now on by this process: the other end watches this process's lifetime.</summary>
    internal PipeConnection(ProcessQueue<T>? send, ProcessQueue<T>? receive)
    {
        SendQueue = send;
        ReceiveQueue = receive;
        send?.ClaimWriter();
        receive?.ClaimReader();
    }

    /// <summary>Gets whether this end can send.</summary>
    public bool CanSend => SendQueue is not null;

    /// <summary>Gets whether this end can receive.</summary>
    public bool CanReceive => ReceiveQueue is not null;

    internal ProcessQueue<T>? SendQueue { get; }

    internal ProcessQueue<T>? ReceiveQueue { get; }

    /// <summary>Sends a message to the other end, waiting while the pipe's buffer is full.</summary>
    /// <exception cref="InvalidOperationException">This end only receives.</exception>
    /// <exception cref="IOException">The buffer is full and the process holding the other end has exited.</exception>
    public void Send(T message) => (SendQueue ?? throw new InvalidOperationException("This end of the pipe only receives.")).Put(message);

    /// <summary>Receives the next message, waiting for it.</summary>
    /// <exception cref="EndOfStreamException">The other end was closed, or its process exited, and everything it sent has been received.</exception>
    public T Receive() => Receive(Timeout.InfiniteTimeSpan);

    /// <summary>Receives the next message, waiting up to <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">Nothing arrived in time.</exception>
    /// <exception cref="EndOfStreamException">The other end was closed, or its process exited, and everything it sent has been received.</exception>
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
