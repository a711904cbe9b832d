using ParallelGen.Dispatch;
using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>One end of a <see cref="ProcessPipe"/> (Python's <c>Connection</c>): send to and receive from the other end.</summary>
/// <typeparam name="T">The type of the messages.</typeparam>
/// <remarks>
/// <para>Every process an end is passed to holds an end object of its own, as every Python process holds its own
/// file descriptor: <see cref="Close"/> (or <see cref="Dispose"/>) lets go of this object only. The other end sees end
/// of file (<see cref="EndOfStreamException"/> once it has received everything sent) when no process holds this end any
/// more: each closed it, or exited, or was killed. A <see cref="Send"/> throws <see cref="IOException"/> (Python's
/// <c>BrokenPipeError</c>) when no process holds the other end. A waiting <see cref="Receive()"/> or a full
/// <see cref="Send"/> notices within about 100 ms that the last holder died without closing.</para>
/// <para>So Python's idiom works: after <c>WorkerProcess.Start(Child, childEnd)</c> the parent closes its copy of
/// <c>childEnd</c>, and its own end then sees end of file when the child is done. An end handed to
/// <c>WorkerProcess.Start</c> is held for the child from the moment <c>Start</c> returns; one handed to a pool call is
/// held from when the call is sent to a worker, so close the parent's copy only after that (for instance once the task
/// has sent something): closing it earlier fails the call with <see cref="ObjectDisposedException"/>.</para>
/// <para>An end that is garbage-collected without being closed is closed then, as a <see cref="FileStream"/> is. A
/// task that keeps an end after it returns (in a static field) keeps holding it until the worker exits.</para>
/// </remarks>
[CrossProcessType(typeof(PipeConnectionFormatter<>))]
public sealed class PipeConnection<T> : IDisposable, MemoryPack.IMemoryPackFormatterRegister
{
    private readonly ProcessQueue<T>? _send;
    private readonly ProcessQueue<T>? _receive;
    private int _closed;

    static PipeConnection() => PipeConnectionFormatter<T>.Register();

    /// <summary>Makes an end object, held by this process from now on.</summary>
    /// <param name="send">This end's own object over the buffer it sends into.</param>
    /// <param name="receive">This end's own object over the buffer it receives from.</param>
    /// <param name="transitFrom">The process that sent this end, whose hold in transit this object takes over; 0 for a new pipe.</param>
    internal PipeConnection(ProcessQueue<T>? send, ProcessQueue<T>? receive, int transitFrom = 0)
    {
        _send = send;
        _receive = receive;
        try
        {
            Hold(Environment.ProcessId);
        }
        catch
        {
            GC.SuppressFinalize(this); // nothing held that a finalizer could let go of
            throw;
        }

        if (transitFrom != 0)
        {
            Release(transitFrom, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Lets go of this end if nothing closed it (the process's hold otherwise lasts until it exits).</summary>
    ~PipeConnection()
    {
        // The buffers are locked briefly, and never waited for long here: a finalizer must not block.
        CloseCore(TimeSpan.FromSeconds(1));
    }

    /// <summary>Gets whether this end can send.</summary>
    public bool CanSend => _send is not null;

    /// <summary>Gets whether this end can receive.</summary>
    public bool CanReceive => _receive is not null;

    /// <summary>Gets whether this end object was closed.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Gets the names of the shared-memory segments of this end's buffers. Tests only.</summary>
    internal string[] BufferNamesForTesting => [.. new[] { _send?.Name, _receive?.Name }.OfType<string>()];

    /// <summary>Sends a message to the other end, waiting while the pipe's buffer is full.</summary>
    /// <exception cref="InvalidOperationException">This end only receives.</exception>
    /// <exception cref="IOException">No process holds the other end any more (Python's <c>BrokenPipeError</c>).</exception>
    /// <exception cref="ObjectDisposedException">This end was closed.</exception>
    public void Send(T message) => Sending().Put(message);

    /// <summary>Receives the next message, waiting for it.</summary>
    /// <exception cref="EndOfStreamException">Everything sent has been received and no process holds the other end any more (Python's <c>EOFError</c>).</exception>
    /// <exception cref="ObjectDisposedException">This end was closed.</exception>
    public T Receive() => Receive(Timeout.InfiniteTimeSpan);

    /// <summary>Receives the next message, waiting up to <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">Nothing arrived in time.</exception>
    /// <exception cref="EndOfStreamException">Everything sent has been received and no process holds the other end any more (Python's <c>EOFError</c>).</exception>
    /// <exception cref="ObjectDisposedException">This end was closed.</exception>
    public T Receive(TimeSpan timeout) => Receiving().Get(timeout);

    /// <summary>Waits up to <paramref name="timeout"/> until a message can be received, or end of file has come.</summary>
    /// <returns>Whether <see cref="Receive()"/> would return or throw at once.</returns>
    /// <exception cref="ObjectDisposedException">This end was closed.</exception>
    public bool Poll(TimeSpan timeout) => Receiving().WaitReadable(timeout);

    /// <summary>Lets go of this end object (Python's <c>close()</c>); the pipe stays open for every other holder.</summary>
    /// <remarks>Closing twice does nothing. When no process holds either end any more, the pipe's buffers are removed.</remarks>
    public void Close()
    {
        CloseCore(Timeout.InfiniteTimeSpan);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes this end (<see cref="Close"/>).</summary>
    public void Dispose() => Close();

    /// <summary>Counts a hold in transit by this process, for the copy of this end being serialized to another process.</summary>
    /// <returns>The two buffers, for the formatter to name.</returns>
    /// <exception cref="ObjectDisposedException">This end was closed: it can no longer be handed to anyone.</exception>
    internal (ProcessQueue<T>? Send, ProcessQueue<T>? Receive) Lend()
    {
        if (IsClosed)
        {
            throw new ObjectDisposedException(
                GetType().Name,
                "This pipe end was closed in this process before it was passed on. Close your copy only after the call that carries it has been sent (WorkerProcess.Start returns after that).");
        }

        Hold(Environment.ProcessId);
        return (_send, _receive);
    }

    private ProcessQueue<T> Sending()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        return _send ?? throw new InvalidOperationException("This end of the pipe only receives.");
    }

    private ProcessQueue<T> Receiving()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        return _receive ?? throw new InvalidOperationException("This end of the pipe only sends.");
    }

    private void Hold(int pid)
    {
        _send?.AddHold(QueueRing.Side.Writers, pid);
        _receive?.AddHold(QueueRing.Side.Readers, pid);
    }

    /// <summary>Counts one hold by <paramref name="pid"/> less in each buffer; returns, per buffer, whether nobody holds it any more.</summary>
    private (bool SendUnheld, bool ReceiveUnheld) Release(int pid, TimeSpan timeout) =>
        (_send?.ReleaseHold(QueueRing.Side.Writers, pid, timeout) ?? false,
         _receive?.ReleaseHold(QueueRing.Side.Readers, pid, timeout) ?? false);

    private void CloseCore(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        (bool sendUnheld, bool receiveUnheld) = Release(Environment.ProcessId, timeout);
        _send?.Release(removeName: sendUnheld);
        _receive?.Release(removeName: receiveUnheld);
    }

    /// <summary>Registers the formatter when MemoryPack first meets the type (an end inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => PipeConnectionFormatter<T>.Register();
}
