using System.Diagnostics;
using ParallelGen.Platform;

namespace ParallelGen.Ipc;

/// <summary>
/// The queue's shared memory: a lock and condition, counters, for a pipe's buffer the processes holding its two ends,
/// then the ring of length-prefixed items.
/// </summary>
internal readonly unsafe partial struct QueueRing
{
    /// <summary>The most processes that can hold one end of a pipe at the same time.</summary>
    public const int HolderSlots = 128;

    private const int MaxSizeOffset = SyncCell.Size;
    private const int CountOffset = MaxSizeOffset + 4;
    private const int FlagsOffset = CountOffset + 4;
    private const int HeadOffset = FlagsOffset + 8;
    private const int TailOffset = HeadOffset + 8;
    private const int CapacityOffset = TailOffset + 8;
    private const int UnfinishedOffset = CapacityOffset + 8;
    private const int LastScanOffset = UnfinishedOffset + 8;
    private const int HoldersOffset = LastScanOffset + 8;
    private const int DataOffset = HoldersOffset + (2 * HolderSlots * 8);

    private const int PipeFlag = 1;

    /// <summary>What a call on a closed queue object says.</summary>
    public const string ClosedMessage =
        "The queue is closed: Close() was called on this ProcessQueue object, so it can no longer put or get (as Python's Queue.close()). Other objects for the same queue, in this or other processes, are not affected.";

    /// <summary>How often a wait on a pipe's buffer checks that the processes holding the other end still live.</summary>
    private static readonly long s_scanInterval = Stopwatch.Frequency / 10;

    private readonly byte* _base;

    private QueueRing(byte* at) => _base = at;

    /// <summary>The two ends of a pipe, as seen from one of its buffers.</summary>
    public enum Side
    {
        /// <summary>The end that puts into this buffer.</summary>
        Writers = 0,

        /// <summary>The end that takes from this buffer.</summary>
        Readers = 1,
    }

    public int Count => Volatile.Read(ref *(int*)(_base + CountOffset));

    public int MaxSize => *(int*)(_base + MaxSizeOffset);

    public bool IsFull => Count >= MaxSize;

    /// <summary>Gets whether this is a pipe's buffer: end of file and broken pipe apply, from the holders of its ends.</summary>
    public bool IsPipe => (*(int*)(_base + FlagsOffset) & PipeFlag) != 0;

    public long Unfinished => Volatile.Read(ref *(long*)(_base + UnfinishedOffset));

    /// <summary>Gets a number that changes whenever an item is put or taken: head and tail only grow, by at least 4 bytes a record.</summary>
    public long Version => Volatile.Read(ref Head) + Volatile.Read(ref Tail);

    /// <summary>
    /// How long a call waits for the queue's lock at least, even one that does not wait for an item or for room: every
    /// process holds the lock only for a moment (to copy a record, or to look before it waits), and a call that gave
    /// up on it would report an empty or full queue that is neither (an async call would then wait for a change that
    /// may never come). A holder that died is recovered at once; only a frozen one (stopped, say) costs this long.
    /// </summary>
    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(1);

    public SyncCell Cell => new(_base);

    private ref long Head => ref *(long*)(_base + HeadOffset);

    private ref long Tail => ref *(long*)(_base + TailOffset);

    private long Capacity => *(long*)(_base + CapacityOffset);

    /// <summary>Gets when the holders were last checked for life, in <see cref="Stopwatch"/> ticks (a system-wide monotonic clock).</summary>
    private ref long LastScan => ref *(long*)(_base + LastScanOffset);

    public static SharedSegment Create(int maxSize, int capacityBytes, bool pipe = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 64);
        SharedSegment memory = SharedSegment.Create(DataOffset + capacityBytes);
        SyncCell.Initialize(memory.Pointer);
        *(int*)(memory.Pointer + MaxSizeOffset) = maxSize == 0 ? int.MaxValue : maxSize;
        *(int*)(memory.Pointer + FlagsOffset) = pipe ? PipeFlag : 0;
        *(long*)(memory.Pointer + CapacityOffset) = capacityBytes;
        return memory;
    }

    public static QueueRing Of(SharedSegment memory) =>
        new(memory.Pointer is not null ? memory.Pointer : throw new ObjectDisposedException("ProcessQueue"));

    /// <summary>Gets whether an item of <paramref name="length"/> bytes goes into a segment of its own: it would take more than a quarter of the ring.</summary>
    public bool IsTooLarge(int length) => 4L + length > Capacity / 4;

    /// <summary>
    /// Adds an item too large for the ring: it goes into a segment of its own, named after the queue's creator
    /// (<paramref name="lifetimePid"/>) so that it outlives this process, and the ring carries only its size and
    /// name. The getter removes the segment.
    /// </summary>
    public bool TryWriteOverflow(ReadOnlySpan<byte> item, Deadline deadline, int lifetimePid, ref int closed)
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
            written = TryWrite(record, deadline, ref closed, overflow: true);
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

    /// <summary>Adds a record: an item's bytes, or with <paramref name="overflow"/> the size and name of the segment holding them (stored with a negative length).</summary>
    /// <param name="item">The record's bytes.</param>
    /// <param name="deadline">When to give up waiting for room.</param>
    /// <param name="closed">The calling object's closed flag: set by <see cref="Interrupt"/>, it ends the wait.</param>
    /// <param name="overflow">Whether <paramref name="item"/> names an overflow segment.</param>
    /// <exception cref="IOException">A pipe's buffer whose other end no process holds any more.</exception>
    public bool TryWrite(ReadOnlySpan<byte> item, Deadline deadline, ref int closed, bool overflow = false)
    {
        long needed = 4L + item.Length;

        if (!Cell.Lock(deadline.NoEarlierThan(LockPatience), out _))
        {
            return false;
        }

        try
        {
            bool pipe = IsPipe;
            bool waited = false;
            while (true)
            {
                ThrowIfClosed(ref closed);
                if (pipe && !AnyHolder(Side.Readers, scan: waited || ScanDue()))
                {
                    throw new IOException("Nothing will receive this message: no process holds the other end of the pipe any more (each closed it or exited).");
                }

                if (Count < MaxSize && Capacity - (Tail - Head) >= needed)
                {
                    break;
                }

                if (!Wait(pipe, deadline))
                {
                    return false;
                }

                waited = true;
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
    /// <exception cref="EndOfStreamException">A pipe's buffer is empty and no process holds the end that puts into it.</exception>
    public byte[]? TryRead(Deadline deadline, ref int closed, out int length)
    {
        length = 0;
        if (!Cell.Lock(deadline.NoEarlierThan(LockPatience), out _))
        {
            return null;
        }

        int size = 0;
        byte[] bytes;
        try
        {
            bool pipe = IsPipe;
            bool waited = false;
            while (Count == 0)
            {
                ThrowIfClosed(ref closed);
                if (pipe && !AnyHolder(Side.Writers, scan: waited || ScanDue()))
                {
                    throw new EndOfStreamException("Everything sent has been received and no process holds the other end of the pipe any more (each closed it or exited).");
                }

                if (!Wait(pipe, deadline))
                {
                    return null;
                }

                waited = true;
            }

            ThrowIfClosed(ref closed);
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

    /// <summary>Waits until an item is there, or (for a pipe) no process holds the writing end; <see langword="false"/> on timeout.</summary>
    public bool WaitReadable(Deadline deadline, ref int closed)
    {
        if (!Cell.Lock(deadline.NoEarlierThan(LockPatience), out _))
        {
            return false;
        }

        try
        {
            bool pipe = IsPipe;
            bool waited = false;
            while (Count == 0)
            {
                ThrowIfClosed(ref closed);
                if (pipe && !AnyHolder(Side.Writers, scan: waited || ScanDue()))
                {
                    return true; // a receive would throw at once
                }

                if (!Wait(pipe, deadline))
                {
                    return false;
                }

                waited = true;
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
        while (Count == 0 && Stopwatch.GetTimestamp() < end)
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

    /// <summary>Sets <paramref name="closed"/> under the lock and wakes every waiter, so that the ones waiting for this object see it.</summary>
    public void Interrupt(ref int closed)
    {
        Cell.Lock();
        Volatile.Write(ref closed, 1);
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

    private static void ThrowIfClosed(ref int closed)
    {
        if (Volatile.Read(ref closed) != 0)
        {
            throw new InvalidOperationException(ClosedMessage);
        }
    }

    /// <summary>
    /// Waits for a notification (the lock held). A pipe's buffer wakes up now and then to check that the processes
    /// holding the other end still live: a dead process never notifies.
    /// </summary>
    /// <returns><see langword="false"/> once <paramref name="deadline"/> has passed.</returns>
    private bool Wait(bool pipe, Deadline deadline)
    {
        if (!pipe)
        {
            return Cell.Wait(deadline);
        }

        return Cell.Wait(deadline.NoLaterThan(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 10))) || !deadline.HasPassed;
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
