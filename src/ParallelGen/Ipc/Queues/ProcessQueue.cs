using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen;

/// <summary>
/// A first-in, first-out queue shared by any number of producer and consumer processes (Python's
/// <c>multiprocessing.Queue</c>, and what <c>Manager().Queue()</c> is used for): pass it to tasks, pool workers and
/// processes as an ordinary argument. Items are serialized with MemoryPack into a ring buffer in shared memory.
/// </summary>
/// <typeparam name="T">The item type; anything a task could take as an argument.</typeparam>
/// <remarks>
/// <para>The ring holds <c>capacityBytes</c> of serialized items (1 MiB by default); a put waits while the queue has
/// <c>maxSize</c> items or not enough free bytes. An item too large for the ring (more than a quarter of it) travels in
/// a shared-memory segment of its own, which the ring only names and which the getter removes. The asynchronous
/// methods block no thread per call: while any is waiting, one background thread per queue watches it.</para>
/// <para><see cref="Close"/> is per object, as Python's <c>close()</c> is per process: this object then refuses to put
/// or get (<see cref="InvalidOperationException"/>), and calls of it that are waiting wake and throw; every other
/// object for the same queue, in this process or another, goes on working.</para>
/// </remarks>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public class ProcessQueue<T> : SharedObject, ISharedObject<ProcessQueue<T>>, MemoryPack.IMemoryPackFormatterRegister
{
    /// <summary>The default ring size: 1 MiB of serialized items.</summary>
    public const int DefaultCapacityBytes = 1024 * 1024;

    [ThreadStatic]
    private static FrameBuffer? t_buffer;

    private int _closed;
    private QueueWatcher? _watcher;

    static ProcessQueue() => SharedObjectFormatter<ProcessQueue<T>>.Register();

    private protected ProcessQueue(SharedSegment memory)
        : base(memory)
    {
    }

    /// <summary>Creates a queue.</summary>
    /// <param name="maxSize">The most items it holds; 0 (the default) for no limit but the ring's size, as in Python.</param>
    /// <param name="capacityBytes">The ring's size in bytes of serialized items.</param>
    public ProcessQueue(int maxSize = 0, int capacityBytes = DefaultCapacityBytes)
        : this(QueueRing.Create(maxSize, capacityBytes))
    {
    }

    /// <summary>Gets the number of items in the queue now.</summary>
    public int Count => QueueRing.Of(Memory).Count;

    /// <summary>Gets whether the queue is empty now.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Gets whether the queue holds <c>maxSize</c> items now.</summary>
    public bool IsFull => QueueRing.Of(Memory).IsFull;

    /// <summary>Gets the most items the queue holds.</summary>
    public int MaxSize => QueueRing.Of(Memory).MaxSize;

    /// <summary>Adds an item, waiting while the queue is full.</summary>
    public void Put(T item) => Put(item, Timeout.InfiniteTimeSpan);

    /// <summary>Adds an item, waiting up to <paramref name="timeout"/> while the queue is full.</summary>
    /// <exception cref="TimeoutException">The queue stayed full (Python's <c>queue.Full</c>).</exception>
    /// <exception cref="InvalidOperationException">This object was closed (<see cref="Close"/>).</exception>
    public void Put(T item, TimeSpan timeout)
    {
        if (!TryPut(item, timeout))
        {
            throw new TimeoutException($"The queue stayed full for {timeout}.");
        }
    }

    /// <summary>
    /// Adds an item if there is room now, without waiting for room (Python's <c>put_nowait</c>). It may wait a moment
    /// for the queue's lock, which another process holds only while it copies a record.
    /// </summary>
    /// <returns>Whether the item was added.</returns>
    public bool TryPut(T item) => TryPut(item, TimeSpan.Zero);

    /// <summary>Adds an item, waiting up to <paramref name="timeout"/> for room.</summary>
    /// <returns>Whether the item was added.</returns>
    /// <exception cref="InvalidOperationException">This object was closed (<see cref="Close"/>), before or during the wait.</exception>
    /// <exception cref="ObjectDisposedException">This object was disposed.</exception>
    public bool TryPut(T item, TimeSpan timeout)
    {
        ThrowIfClosed();
        FrameBuffer buffer = t_buffer ??= new FrameBuffer(256);
        buffer.Clear();
        Payload.Write(buffer, item);
        QueueRing ring = QueueRing.Of(Memory);
        Deadline deadline = Deadline.After(timeout);
        return ring.IsTooLarge(buffer.WrittenSpan.Length)
            ? ring.TryWriteOverflow(buffer.WrittenSpan, deadline, Memory.LifetimePid, ref _closed)
            : ring.TryWrite(buffer.WrittenSpan, deadline, ref _closed);
    }

    /// <summary>Removes and returns the oldest item, waiting while the queue is empty.</summary>
    /// <exception cref="InvalidOperationException">This object was closed (<see cref="Close"/>), before or during the wait.</exception>
    public T Get() => Get(Timeout.InfiniteTimeSpan);

    /// <summary>Removes and returns the oldest item, waiting up to <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">The queue stayed empty (Python's <c>queue.Empty</c>).</exception>
    /// <exception cref="InvalidOperationException">This object was closed (<see cref="Close"/>), before or during the wait.</exception>
    public T Get(TimeSpan timeout) =>
        TryGet(out T item, timeout) ? item : throw new TimeoutException($"The queue stayed empty for {timeout}.");

    /// <summary>
    /// Removes the oldest item if there is one now, without waiting for one (Python's <c>get_nowait</c>). It may wait a
    /// moment for the queue's lock, which another process holds only while it copies a record: an item that is there is
    /// taken, even while another process is using the queue.
    /// </summary>
    public bool TryGet(out T item) => TryGet(out item, TimeSpan.Zero);

    /// <summary>Removes the oldest item, waiting up to <paramref name="timeout"/> for one.</summary>
    /// <exception cref="InvalidOperationException">This object was closed (<see cref="Close"/>), before or during the wait.</exception>
    /// <exception cref="ObjectDisposedException">This object was disposed.</exception>
    public bool TryGet(out T item, TimeSpan timeout)
    {
        ThrowIfClosed();
        QueueRing ring = QueueRing.Of(Memory);
        if (timeout != TimeSpan.Zero)
        {
            ring.YieldWhileEmpty();
        }

        byte[]? bytes = ring.TryRead(Deadline.After(timeout), ref _closed, out int length);
        if (bytes is null)
        {
            item = default!;
            return false;
        }

        try
        {
            item = Payload.Read<T>(bytes.AsSpan(0, length));
            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Adds an item, waiting asynchronously while the queue is full.</summary>
    /// <remarks>No thread is blocked per call: one background thread per queue watches it for all async callers.</remarks>
    /// <exception cref="InvalidOperationException">This object was closed (<see cref="Close"/>), before or during the wait.</exception>
    public async Task PutAsync(T item, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long seen = QueueRing.Of(Memory).Version;
            if (TryPut(item))
            {
                return;
            }

            await Watcher.WhenChanged(seen, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes and returns the oldest item, waiting asynchronously while the queue is empty.</summary>
    /// <remarks>No thread is blocked per call: one background thread per queue watches it for all async callers.</remarks>
    /// <exception cref="InvalidOperationException">This object was closed (<see cref="Close"/>), before or during the wait.</exception>
    public async Task<T> GetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            QueueRing ring = QueueRing.Of(Memory);
            long seen = ring.Version;
            if (TryGet(out T item))
            {
                return item;
            }

            if (ring.Count > 0)
            {
                continue; // an item is there, but the lock stayed taken (a frozen holder): no change may ever come
            }

            await Watcher.WhenChanged(seen, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Says this object will put no more items (Python's <c>close()</c>): from now on it refuses to put and to get
    /// (<see cref="InvalidOperationException"/>, Python's <c>ValueError: Queue is closed</c>), and its calls that are
    /// waiting, blocking or async, wake and throw the same. Items already put stay in the queue for other getters.
    /// </summary>
    /// <remarks>Only this object is closed: other objects for the same queue, such as the one another process (or the
    /// next task in the same worker) received, go on working. Closing twice does nothing.</remarks>
    public void Close()
    {
        if (IsDisposed || Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        QueueRing.Of(Memory).Interrupt(ref _closed);
        _watcher?.Interrupt();
    }

    private QueueWatcher Watcher => LazyInitializer.EnsureInitialized(ref _watcher, () => new QueueWatcher(Memory));

    /// <summary>Creates the buffer of one direction of a pipe: end of file and broken pipe apply to it.</summary>
    internal static ProcessQueue<T> CreatePipeBuffer(int capacityBytes) => new(QueueRing.Create(0, capacityBytes, pipe: true));

    /// <summary>Gets another object over the same queue, with its own closed and disposed state (one per pipe end).</summary>
    internal ProcessQueue<T> Share() => new(Memory);

    /// <summary>Waits until an item is there or (for a pipe) nobody holds the writing end; <see langword="false"/> on timeout.</summary>
    internal bool WaitReadable(TimeSpan timeout) => QueueRing.Of(Memory).WaitReadable(Deadline.After(timeout), ref _closed);

    /// <summary>Counts a hold of one end of the pipe this buffer belongs to, by <paramref name="pid"/>.</summary>
    internal void AddHold(QueueRing.Side side, int pid) => QueueRing.Of(Memory).AddHold(side, pid);

    /// <summary>Counts one hold less; returns whether no live process holds either end any more.</summary>
    internal bool ReleaseHold(QueueRing.Side side, int pid, TimeSpan timeout) => QueueRing.Of(Memory).ReleaseHold(side, pid, Deadline.After(timeout));

    /// <summary>Disposes this object and, with <paramref name="removeName"/>, removes the segment's name (a pipe's buffer nobody holds).</summary>
    internal void Release(bool removeName) => DisposeCore(removeName);

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            throw new InvalidOperationException(QueueRing.ClosedMessage);
        }
    }

    /// <summary>Marks one item as processed (for <see cref="JoinableProcessQueue{T}"/>).</summary>
    private protected void MarkTaskDone() => QueueRing.Of(Memory).TaskDone();

    /// <summary>Waits until every item put has been marked done; <see langword="false"/> on timeout.</summary>
    private protected bool WaitAllDone(TimeSpan timeout) => QueueRing.Of(Memory).WaitAllDone(Deadline.After(timeout));

    static ProcessQueue<T> ISharedObject<ProcessQueue<T>>.Open(SharedSegment memory) => new(memory);

    /// <summary>Registers the formatter when MemoryPack first meets the type (a queue inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<ProcessQueue<T>>.Register();

    private protected override void OnDisposing() => _watcher?.Stop();
}
