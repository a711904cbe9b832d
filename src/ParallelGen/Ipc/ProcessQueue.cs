using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParallelGen.Dispatch;
using ParallelGen.Interop;
using ParallelGen.Ipc;
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
/// The ring holds <c>capacityBytes</c> of serialized items (1 MiB by default); a put waits while the queue has
/// <c>maxSize</c> items or not enough free bytes. An item too large for the ring (more than a quarter of it) travels in
/// a shared-memory segment of its own, which the ring only names and which the getter removes. The asynchronous
/// methods wait on a thread-pool thread.
/// </remarks>
[CrossProcessType(typeof(ProcessQueueFormatter<>))]
public class ProcessQueue<T> : SharedObject
{
    /// <summary>The default ring size: 1 MiB of serialized items.</summary>
    public const int DefaultCapacityBytes = 1024 * 1024;

    [ThreadStatic]
    private static FrameBuffer? t_buffer;

    private bool _closed;

    private protected ProcessQueue(SharedMemory memory)
        : base(memory)
    {
    }

    /// <summary>Creates a queue.</summary>
    /// <param name="maxSize">The most items it holds; 0 (the default) for no limit but the ring's size, as in Python.</param>
    /// <param name="capacityBytes">The ring's size in bytes of serialized items.</param>
    public ProcessQueue(int maxSize = 0, int capacityBytes = DefaultCapacityBytes)
        : this(Ring.Create(maxSize, capacityBytes))
    {
    }

    /// <summary>Gets the number of items in the queue now.</summary>
    public int Count => Ring.Of(Memory).Count;

    /// <summary>Gets whether the queue is empty now.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Gets whether the queue holds <c>maxSize</c> items now.</summary>
    public bool IsFull => Ring.Of(Memory).IsFull;

    /// <summary>Gets the most items the queue holds.</summary>
    public int MaxSize => Ring.Of(Memory).MaxSize;

    /// <summary>Adds an item, waiting while the queue is full.</summary>
    public void Put(T item) => Put(item, Timeout.InfiniteTimeSpan);

    /// <summary>Adds an item, waiting up to <paramref name="timeout"/> while the queue is full.</summary>
    /// <exception cref="TimeoutException">The queue stayed full (Python's <c>queue.Full</c>).</exception>
    public void Put(T item, TimeSpan timeout)
    {
        if (!TryPut(item, timeout))
        {
            throw new TimeoutException($"The queue stayed full for {timeout}.");
        }
    }

    /// <summary>Adds an item if there is room now, without waiting (Python's <c>put_nowait</c>).</summary>
    /// <returns>Whether the item was added.</returns>
    public bool TryPut(T item) => TryPut(item, TimeSpan.Zero);

    /// <summary>Adds an item, waiting up to <paramref name="timeout"/> for room.</summary>
    /// <returns>Whether the item was added.</returns>
    public bool TryPut(T item, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        FrameBuffer buffer = t_buffer ??= new FrameBuffer(256);
        buffer.Clear();
        Payload.Write(buffer, item);
        Ring ring = Ring.Of(Memory);
        Deadline deadline = Deadline.After(timeout);
        return ring.IsTooLarge(buffer.WrittenSpan.Length)
            ? ring.TryWriteOverflow(buffer.WrittenSpan, deadline, Memory.LifetimePid)
            : ring.TryWrite(buffer.WrittenSpan, deadline);
    }

    /// <summary>Removes and returns the oldest item, waiting while the queue is empty.</summary>
    public T Get() => Get(Timeout.InfiniteTimeSpan);

    /// <summary>Removes and returns the oldest item, waiting up to <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">The queue stayed empty (Python's <c>queue.Empty</c>).</exception>
    public T Get(TimeSpan timeout) =>
        TryGet(out T item, timeout) ? item : throw new TimeoutException($"The queue stayed empty for {timeout}.");

    /// <summary>Removes the oldest item if there is one now, without waiting (Python's <c>get_nowait</c>).</summary>
    public bool TryGet(out T item) => TryGet(out item, TimeSpan.Zero);

    /// <summary>Removes the oldest item, waiting up to <paramref name="timeout"/> for one.</summary>
    public bool TryGet(out T item, TimeSpan timeout)
    {
        Ring ring = Ring.Of(Memory);
        if (timeout != TimeSpan.Zero)
        {
            ring.YieldWhileEmpty();
        }

        byte[]? bytes = ring.TryRead(Deadline.After(timeout), out int length);
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
    public Task PutAsync(T item, CancellationToken cancellationToken = default) =>
        Task.Run(() => WaitInSlices(() => TryPut(item, Slice), cancellationToken), cancellationToken);

    /// <summary>Removes and returns the oldest item, waiting asynchronously while the queue is empty.</summary>
    public Task<T> GetAsync(CancellationToken cancellationToken = default) =>
        Task.Run(
            () =>
            {
                T result = default!;
                WaitInSlices(() => TryGet(out result, Slice), cancellationToken);
                return result;
            },
            cancellationToken);

    /// <summary>Says this process will put no more items (Python's <c>close()</c>); later puts from this object throw.</summary>
    public void Close() => _closed = true;

    private static TimeSpan Slice => TimeSpan.FromMilliseconds(50);

    /// <summary>Tells the reading side that no more items will come (used by pipe ends).</summary>
    internal void MarkWriterClosed() => Ring.Of(Memory).MarkWriterClosed();

    /// <summary>Waits until an item is there or the writer has closed or died; <see langword="false"/> on timeout.</summary>
    internal bool WaitReadable(TimeSpan timeout) => Ring.Of(Memory).WaitReadable(Deadline.After(timeout));

    /// <summary>Records that this process holds the pipe end that puts into this queue, so a reader notices if it dies.</summary>
    internal void ClaimWriter() => Ring.Of(Memory).ClaimWriter();

    /// <summary>Records that this process holds the pipe end that takes from this queue, so a writer notices if it dies.</summary>
    internal void ClaimReader() => Ring.Of(Memory).ClaimReader();

    /// <summary>Marks one item as processed (for <see cref="JoinableProcessQueue{T}"/>).</summary>
    private protected void MarkTaskDone() => Ring.Of(Memory).TaskDone();

    /// <summary>Waits until every item put has been marked done; <see langword="false"/> on timeout.</summary>
    private protected bool WaitAllDone(TimeSpan timeout) => Ring.Of(Memory).WaitAllDone(Deadline.After(timeout));

    internal static ProcessQueue<T> Open(SharedMemory memory) => new(memory);

    private static void WaitInSlices(Func<bool> attempt, CancellationToken cancellationToken)
    {
        while (!attempt())
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The queue's shared memory: a lock and condition, counters, then the ring of length-prefixed items.</summary>
    private protected readonly unsafe struct Ring
    {
        private const int MaxSizeOffset = SyncCell.Size;
        private const int CountOffset = MaxSizeOffset + 4;
        private const int WriterClosedOffset = CountOffset + 4;
        private const int HeadOffset = WriterClosedOffset + 8;
        private const int TailOffset = HeadOffset + 8;
        private const int CapacityOffset = TailOffset + 8;
        private const int UnfinishedOffset = CapacityOffset + 8;
        private const int WriterPidOffset = UnfinishedOffset + 8;
        private const int ReaderPidOffset = WriterPidOffset + 4;
        private const int DataOffset = UnfinishedOffset + 8 + 16;

        /// <summary>How often a wait on a pipe's buffer checks that the process at the other end still lives.</summary>
        private static readonly TimeSpan PeerCheckInterval = TimeSpan.FromMilliseconds(100);

        private readonly byte* _base;

        private Ring(byte* at) => _base = at;

        public int Count => Volatile.Read(ref *(int*)(_base + CountOffset));

        public int MaxSize => *(int*)(_base + MaxSizeOffset);

        public bool IsFull => Count >= MaxSize;

        public bool WriterClosed => Volatile.Read(ref *(int*)(_base + WriterClosedOffset)) != 0;

        public long Unfinished => Volatile.Read(ref *(long*)(_base + UnfinishedOffset));

        public SyncCell Cell => new(_base);

        private ref long Head => ref *(long*)(_base + HeadOffset);

        private ref long Tail => ref *(long*)(_base + TailOffset);

        private long Capacity => *(long*)(_base + CapacityOffset);

        public static SharedMemory Create(int maxSize, int capacityBytes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
            ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 64);
            SharedMemory memory = SharedMemory.Create(DataOffset + capacityBytes);
            SyncCell.Initialize(memory.Pointer);
            *(int*)(memory.Pointer + MaxSizeOffset) = maxSize == 0 ? int.MaxValue : maxSize;
            *(long*)(memory.Pointer + CapacityOffset) = capacityBytes;
            return memory;
        }

        /// <summary>Gets whether an item of <paramref name="length"/> bytes goes into a segment of its own: it would take more than a quarter of the ring.</summary>
        public bool IsTooLarge(int length) => 4L + length > Capacity / 4;

        /// <summary>
        /// Adds an item too large for the ring: it goes into a segment of its own, named after the queue's creator
        /// (<paramref name="lifetimePid"/>) so that it outlives this process, and the ring carries only its size and
        /// name. The getter removes the segment.
        /// </summary>
        public bool TryWriteOverflow(ReadOnlySpan<byte> item, Deadline deadline, int lifetimePid)
        {
            SharedMemory overflow = SharedMemory.Create(item.Length, lifetimePid);
            item.CopyTo(new Span<byte>(overflow.Pointer, item.Length));
            overflow.Detach();
            byte[] record = new byte[8 + overflow.Name.Length];
            BitConverter.TryWriteBytes(record, overflow.Size);
            System.Text.Encoding.ASCII.GetBytes(overflow.Name, record.AsSpan(8));
            bool written = false;
            try
            {
                written = TryWrite(record, deadline, overflow: true);
                return written;
            }
            finally
            {
                if (!written)
                {
                    LibC.shm_unlink(overflow.Name);
                }
            }
        }

        public static Ring Of(SharedMemory memory) =>
            new(memory.Pointer is not null ? memory.Pointer : throw new ObjectDisposedException(nameof(ProcessQueue<T>)));

        /// <summary>Adds a record: an item's bytes, or with <paramref name="overflow"/> the size and name of the segment holding them (stored with a negative length).</summary>
        public bool TryWrite(ReadOnlySpan<byte> item, Deadline deadline, bool overflow = false)
        {
            long needed = 4L + item.Length;

            if (!Cell.Lock(deadline, out _))
            {
                return false;
            }

            try
            {
                while (Count >= MaxSize || Capacity - (Tail - Head) < needed)
                {
                    if (!WaitWatching(ReaderPidOffset, deadline, out int goneReader))
                    {
                        return false;
                    }

                    if (goneReader != 0)
                    {
                        throw new IOException($"The process at the other end of the pipe (pid {goneReader}) has exited and its buffer is full: nothing will receive this message.");
                    }
                }

                int length = overflow ? -item.Length : item.Length;
                Copy(new ReadOnlySpan<byte>(&length, 4), Tail);
                Copy(item, Tail + 4);
                Tail += needed;
                *(int*)(_base + CountOffset) += 1;
                *(long*)(_base + UnfinishedOffset) += 1;
                Cell.NotifyAll();
                return true;
            }
            finally
            {
                Cell.Unlock();
            }
        }

        /// <summary>Takes the oldest item's bytes into a pooled array, or returns <see langword="null"/> on timeout.</summary>
        /// <exception cref="EndOfStreamException">The queue is empty and its writer said no more items will come.</exception>
        public byte[]? TryRead(Deadline deadline, out int length)
        {
            length = 0;
            if (!Cell.Lock(deadline, out _))
            {
                return null;
            }

            try
            {
                while (Count == 0)
                {
                    if (WriterClosed)
                    {
                        throw new EndOfStreamException("The other end of the pipe was closed and everything it sent has been received.");
                    }

                    if (!WaitWatching(WriterPidOffset, deadline, out int goneWriter))
                    {
                        return null;
                    }

                    if (goneWriter != 0 && Count == 0)
                    {
                        throw new EndOfStreamException($"The process at the other end of the pipe (pid {goneWriter}) has exited and everything it sent has been received.");
                    }
                }

                int size = 0;
                CopyOut(new Span<byte>(&size, 4), Head);
                byte[] bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(Math.Abs(size), 1));
                CopyOut(bytes.AsSpan(0, Math.Abs(size)), Head + 4);
                Head += 4L + Math.Abs(size);
                *(int*)(_base + CountOffset) -= 1;
                Cell.NotifyAll();
                if (size < 0)
                {
                    return ReadOverflow(bytes, -size, out length);
                }

                length = size;
                return bytes;
            }
            finally
            {
                Cell.Unlock();
            }
        }

        /// <summary>Copies an item out of its own segment (named by <paramref name="record"/>) and removes the segment.</summary>
        private static byte[] ReadOverflow(byte[] record, int recordLength, out int length)
        {
            long size = BitConverter.ToInt64(record, 0);
            string name = System.Text.Encoding.ASCII.GetString(record, 8, recordLength - 8);
            System.Buffers.ArrayPool<byte>.Shared.Return(record);
            SharedMemory overflow = SharedMemory.Open(name, size);
            try
            {
                byte[] bytes = System.Buffers.ArrayPool<byte>.Shared.Rent((int)size);
                new ReadOnlySpan<byte>(overflow.Pointer, (int)size).CopyTo(bytes);
                length = (int)size;
                return bytes;
            }
            finally
            {
                overflow.DisposeAndRemove();
            }
        }

        public bool WaitReadable(Deadline deadline)
        {
            if (!Cell.Lock(deadline, out _))
            {
                return false;
            }

            try
            {
                while (Count == 0 && !WriterClosed)
                {
                    if (!WaitWatching(WriterPidOffset, deadline, out int goneWriter))
                    {
                        return false;
                    }

                    if (goneWriter != 0)
                    {
                        return true; // a receive would throw at once
                    }
                }

                return true;
            }
            finally
            {
                Cell.Unlock();
            }
        }

        /// <summary>
        /// For up to 50 µs, yields while the queue is empty: an item that another process puts within that time is
        /// then taken without sleeping on the condition variable, whose wake-up costs tens of microseconds.
        /// </summary>
        public void YieldWhileEmpty()
        {
            long end = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 20_000);
            while (Count == 0 && !WriterClosed && Stopwatch.GetTimestamp() < end)
            {
                Thread.Yield();
            }
        }

        public void ClaimWriter() => Volatile.Write(ref *(int*)(_base + WriterPidOffset), Environment.ProcessId);

        public void ClaimReader() => Volatile.Write(ref *(int*)(_base + ReaderPidOffset), Environment.ProcessId);

        public void MarkWriterClosed()
        {
            Cell.Lock();
            *(int*)(_base + WriterClosedOffset) = 1;
            Cell.NotifyAll();
            Cell.Unlock();
        }

        /// <summary>Marks one item as processed; wakes <see cref="WaitAllDone"/> when none is left.</summary>
        public void TaskDone()
        {
            Cell.Lock();
            try
            {
                ref long unfinished = ref *(long*)(_base + UnfinishedOffset);
                if (unfinished <= 0)
                {
                    throw new InvalidOperationException("TaskDone() was called more times than items were put.");
                }

                if (--unfinished == 0)
                {
                    Cell.NotifyAll();
                }
            }
            finally
            {
                Cell.Unlock();
            }
        }

        public bool WaitAllDone(Deadline deadline)
        {
            if (!Cell.Lock(deadline, out _))
            {
                return false;
            }

            try
            {
                while (Unfinished > 0)
                {
                    if (!Cell.Wait(deadline))
                    {
                        return false;
                    }
                }

                return true;
            }
            finally
            {
                Cell.Unlock();
            }
        }

        /// <summary>
        /// Waits for a notification (the lock held). For a pipe's buffer, whose header names the process at the other
        /// end, it wakes up now and then to check that this process still lives: a dead peer never notifies.
        /// </summary>
        /// <param name="peerPidOffset">Where the other end's pid is kept (0 for a plain queue: nobody to watch).</param>
        /// <param name="deadline">When to give up.</param>
        /// <param name="gonePeer">Set to the other end's pid if it has exited, else 0.</param>
        /// <returns><see langword="false"/> once <paramref name="deadline"/> has passed.</returns>
        private bool WaitWatching(int peerPidOffset, Deadline deadline, out int gonePeer)
        {
            gonePeer = 0;
            int peer = Volatile.Read(ref *(int*)(_base + peerPidOffset));
            if (peer == 0)
            {
                return Cell.Wait(deadline);
            }

            if (peer != Environment.ProcessId && LibC.kill(peer, 0) != 0 && Marshal.GetLastPInvokeError() == LibC.ESRCH)
            {
                gonePeer = peer;
                return true;
            }

            // Another process may take over the other end later (the end is passed on): keep watching either way.
            return Cell.Wait(deadline.NoLaterThan(PeerCheckInterval)) || !deadline.HasPassed;
        }

        private void Copy(ReadOnlySpan<byte> source, long position)
        {
            long offset = position % Capacity;
            int first = (int)Math.Min(source.Length, Capacity - offset);
            source[..first].CopyTo(new Span<byte>(_base + DataOffset + offset, first));
            source[first..].CopyTo(new Span<byte>(_base + DataOffset, source.Length - first));
        }

        private void CopyOut(Span<byte> destination, long position)
        {
            long offset = position % Capacity;
            int first = (int)Math.Min(destination.Length, Capacity - offset);
            new ReadOnlySpan<byte>(_base + DataOffset + offset, first).CopyTo(destination);
            new ReadOnlySpan<byte>(_base + DataOffset, destination.Length - first).CopyTo(destination[first..]);
        }
    }
}
