using System.Diagnostics;
using ParallelGen.Platform;

namespace ParallelGen.Ipc;

/// <summary>The queue's shared memory: a lock and condition, counters, then the ring of length-prefixed items.</summary>
internal readonly unsafe struct QueueRing
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

    private QueueRing(byte* at) => _base = at;

    public int Count => Volatile.Read(ref *(int*)(_base + CountOffset));

    public int MaxSize => *(int*)(_base + MaxSizeOffset);

    public bool IsFull => Count >= MaxSize;

    public bool WriterClosed => Volatile.Read(ref *(int*)(_base + WriterClosedOffset)) != 0;

    public long Unfinished => Volatile.Read(ref *(long*)(_base + UnfinishedOffset));

    /// <summary>
    /// Gets a number that changes whenever an item is put or taken or the writer closes: head and tail only grow, by
    /// at least 4 bytes a record, and closing adds 1.
    /// </summary>
    public long Version => Volatile.Read(ref Head) + Volatile.Read(ref Tail) + (WriterClosed ? 1 : 0);

    public SyncCell Cell => new(_base);

    private ref long Head => ref *(long*)(_base + HeadOffset);

    private ref long Tail => ref *(long*)(_base + TailOffset);

    private long Capacity => *(long*)(_base + CapacityOffset);

    public static SharedSegment Create(int maxSize, int capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 64);
        SharedSegment memory = SharedSegment.Create(DataOffset + capacityBytes);
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
        SharedSegment overflow = SharedSegment.Create(item.Length, lifetimePid);
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
                SharedSegment.Remove(overflow.Name);
            }
        }
    }

    public static QueueRing Of(SharedSegment memory) =>
        new(memory.Pointer is not null ? memory.Pointer : throw new ObjectDisposedException("ProcessQueue"));

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

        int size = 0;
        byte[] bytes;
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

            CopyOut(new Span<byte>(&size, 4), Head);
            bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(Math.Abs(size), 1));
            CopyOut(bytes.AsSpan(0, Math.Abs(size)), Head + 4);
            Head += 4L + Math.Abs(size);
            *(int*)(_base + CountOffset) -= 1;
            Cell.NotifyAll();
        }
        finally
        {
            Cell.Unlock();
        }

        // A large item is copied out of its own segment after the queue's lock is released.
        if (size < 0)
        {
            return ReadOverflow(bytes, -size, out length);
        }

        length = size;
        return bytes;
    }

    /// <summary>Copies an item out of its own segment (named by <paramref name="record"/>) and removes the segment.</summary>
    private static byte[] ReadOverflow(byte[] record, int recordLength, out int length)
    {
        long size = BitConverter.ToInt64(record, 0);
        string name = System.Text.Encoding.ASCII.GetString(record, 8, recordLength - 8);
        System.Buffers.ArrayPool<byte>.Shared.Return(record);
        SharedSegment overflow = SharedSegment.Open(name, size);
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

    /// <summary>Waits until <see cref="Version"/> differs from <paramref name="seen"/>; <see langword="false"/> on timeout.</summary>
    public bool WaitForChange(long seen, Deadline deadline)
    {
        QueueRing ring = this;
        if (!Cell.LockWhen(deadline, () => ring.Version != seen))
        {
            return false;
        }

        Cell.Unlock();
        return true;
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
        QueueRing ring = this;
        if (!Cell.LockWhen(deadline, () => ring.Unfinished == 0))
        {
            return false;
        }

        Cell.Unlock();
        return true;
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

        if (peer != Environment.ProcessId && !Liveness.IsAlive(peer))
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
