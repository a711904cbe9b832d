using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>A flag processes can wait for (Python's <c>multiprocessing.Event</c>): <see cref="Set"/> releases every waiter.</summary>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class ProcessEvent : SharedObject, ISharedObject<ProcessEvent>, MemoryPack.IMemoryPackFormatterRegister
{
    static ProcessEvent() => SharedObjectFormatter<ProcessEvent>.Register();

    private ProcessEvent(SharedSegment memory)
        : base(memory)
    {
    }

    /// <summary>Creates an event, not set.</summary>
    public ProcessEvent()
        : this(SharedSegment.Create(SyncCell.Size + 4))
    {
        SyncCell.Initialize(Data);
    }

    /// <summary>Gets whether the event is set.</summary>
    public bool IsSet => Volatile.Read(ref Flag) != 0;

    private SyncCell Cell => new(Data);

    private ref int Flag => ref *(int*)(Data + SyncCell.Size);

    /// <summary>Sets the event and wakes every process waiting for it.</summary>
    public void Set()
    {
        Cell.Lock();
        Flag = 1;
        Cell.NotifyAll();
        Cell.Unlock();
    }

    /// <summary>Clears the event.</summary>
    public void Clear()
    {
        Cell.Lock();
        Flag = 0;
        Cell.Unlock();
    }

    /// <summary>Waits until the event is set.</summary>
    public void Wait() => Wait(Timeout.InfiniteTimeSpan);

    /// <summary>Waits up to <paramref name="timeout"/> for the event.</summary>
    /// <returns>Whether the event is set.</returns>
    public bool Wait(TimeSpan timeout)
    {
        if (!Cell.LockWhen(Deadline.After(timeout), () => Flag != 0))
        {
            return IsSet;
        }

        Cell.Unlock();
        return true;
    }

    static ProcessEvent ISharedObject<ProcessEvent>.Open(SharedSegment memory) => new(memory);

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<ProcessEvent>.Register();
}
