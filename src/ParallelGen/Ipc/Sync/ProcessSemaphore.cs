using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// A counting semaphore shared by processes (Python's <c>Semaphore</c>, and <c>BoundedSemaphore</c> when created with
/// a maximum count).
/// </summary>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class ProcessSemaphore : SharedObject, ISharedObject<ProcessSemaphore>, MemoryPack.IMemoryPackFormatterRegister
{
    private const int CountOffset = SyncCell.Size;
    private const int MaxOffset = SyncCell.Size + 4;

    static ProcessSemaphore() => SharedObjectFormatter<ProcessSemaphore>.Register();

    private ProcessSemaphore(SharedSegment memory)
        : base(memory)
    {
    }

    /// <summary>Creates a semaphore.</summary>
    /// <param name="initialCount">The number of free slots at start.</param>
    /// <param name="maximumCount">If set, <see cref="Release"/> beyond it throws (Python's <c>BoundedSemaphore</c>).</param>
    public ProcessSemaphore(int initialCount, int? maximumCount = null)
        : this(SharedSegment.Create(SyncCell.Size + 8))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCount);
        if (maximumCount is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, Math.Max(initialCount, 1));
        }

        SyncCell.Initialize(Data);
        *(int*)(Data + CountOffset) = initialCount;
        *(int*)(Data + MaxOffset) = maximumCount ?? int.MaxValue;
    }

    /// <summary>Gets the number of free slots now.</summary>
    public int CurrentCount => Volatile.Read(ref *(int*)(Data + CountOffset));

    private SyncCell Cell => new(Data);

    private ref int Count => ref *(int*)(Data + CountOffset);

    /// <summary>Waits for a free slot and takes it.</summary>
    public void Wait() => Wait(Timeout.InfiniteTimeSpan);

    /// <summary>Waits up to <paramref name="timeout"/> for a free slot.</summary>
    /// <returns>Whether a slot was taken.</returns>
    public bool Wait(TimeSpan timeout)
    {
        if (!Cell.LockWhen(Deadline.After(timeout), () => Count > 0))
        {
            return false;
        }

        Count--;
        Cell.Unlock();
        return true;
    }

    /// <summary>Frees <paramref name="releaseCount"/> slots.</summary>
    /// <exception cref="SemaphoreFullException">The semaphore is bounded and would exceed its maximum.</exception>
    public void Release(int releaseCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(releaseCount, 1);
        Cell.Lock();
        try
        {
            if ((long)Count + releaseCount > *(int*)(Data + MaxOffset))
            {
                throw new SemaphoreFullException("Releasing the ProcessSemaphore would exceed its maximum count.");
            }

            Count += releaseCount;
            Cell.NotifyAll();
        }
        finally
        {
            Cell.Unlock();
        }
    }

    static ProcessSemaphore ISharedObject<ProcessSemaphore>.Open(SharedSegment memory) => new(memory);

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<ProcessSemaphore>.Register();
}
