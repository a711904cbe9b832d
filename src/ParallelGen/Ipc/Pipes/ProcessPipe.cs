using ParallelGen.Ipc;

namespace ParallelGen;

/// <summary>Creates the two connected ends of a pipe between processes (Python's <c>multiprocessing.Pipe()</c>).</summary>
public static class ProcessPipe
{
    /// <summary>Creates a pipe; pass one end (or both) to tasks or processes.</summary>
    /// <typeparam name="T">The type of the messages.</typeparam>
    /// <param name="duplex">Whether both ends can send and receive (the default). If not, the first end only receives and the second only sends, as in Python.</param>
    /// <param name="capacityBytes">The buffer size of each direction, in bytes of serialized messages.</param>
    /// <remarks>Both ends are held by this process until closed: see <see cref="PipeConnection{T}"/> for when the other end sees end of file.</remarks>
    public static (PipeConnection<T> First, PipeConnection<T> Second) Create<T>(bool duplex = true, int capacityBytes = ProcessQueue<T>.DefaultCapacityBytes)
    {
        ProcessQueue<T> toFirst = ProcessQueue<T>.CreatePipeBuffer(capacityBytes);
        ProcessQueue<T>? toSecond = duplex ? ProcessQueue<T>.CreatePipeBuffer(capacityBytes) : null;

        // Each end has objects of its own over the buffers, so that closing one end leaves the other's intact.
        PipeConnection<T> first = new(send: toSecond, receive: toFirst);
        PipeConnection<T> second = new(send: toFirst.Share(), receive: toSecond?.Share());
        return (first, second);
    }
}
