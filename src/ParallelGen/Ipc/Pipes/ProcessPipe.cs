namespace ParallelGen;

/// <summary>Creates the two connected ends of a pipe between processes (Python's <c>multiprocessing.Pipe()</c>).</summary>
public static class ProcessPipe
{
    /// <summary>Creates a pipe; pass one end (or both) to tasks or processes.</summary>
    /// <typeparam name="T">The type of the messages.</typeparam>
    /// <param name="duplex">Whether both ends can send and receive (the default). If not, the first end only receives and the second only sends, as in Python.</param>
    /// <param name="capacityBytes">The buffer size of each direction, in bytes of serialized messages.</param>
    public static (PipeConnection<T> First, PipeConnection<T> Second) Create<T>(bool duplex = true, int capacityBytes = ProcessQueue<T>.DefaultCapacityBytes)
    {
        ProcessQueue<T> toFirst = new(0, capacityBytes);
        ProcessQueue<T>? toSecond = duplex ? new ProcessQueue<T>(0, capacityBytes) : null;
        return (new PipeConnection<T>(send: toSecond, receive: toFirst), new PipeConnection<T>(send: toFirst, receive: toSecond));
    }
}
