using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// A re-entrant lock shared by processes (Python's <c>multiprocessing.RLock</c>): the thread that holds it may take it
/// again, and must release it as many times. A process dying while holding it behaves as for <see cref="ProcessLock"/>.
/// </summary>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class ProcessRLock : SharedObject, ISharedObject<ProcessRLock>, MemoryPack.IMemoryPackFormatterRegister
{
    static ProcessRLock() => SharedObjectFormatter<ProcessRLock>.Register();

    private ProcessRLock(SharedSegment memory)
        : base(memory)
    {
    }

    /// <summary>Creates a re-entrant lock.</summary>
    public ProcessRLock()
        : this(SharedSegment.Create(SyncCell.Size))
    {
        SyncCell.Initialize(Data, recursive: true);
    }

    private SyncCell Cell => new(Data);

    /// <summary>Waits for the lock and takes it (again, if this thread holds it).</summary>
    /// <exception cref="AbandonedMutexException">Its previous owner died holding it; the lock is now held by the caller.</exception>
    public void Enter() => TryEnter(Timeout.InfiniteTimeSpan);

    /// <summary>Tries to take the lock within <paramref name="timeout"/>.</summary>
    /// <returns>Whether the lock was taken.</returns>
    /// <exception cref="AbandonedMutexException">Its previous owner died holding it; the lock is now held by the caller.</exception>
    public bool TryEnter(TimeSpan timeout) => Cell.Enter(timeout, nameof(ProcessRLock));

    /// <summary>Releases one level of the lock.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public void Exit() => Cell.Exit(nameof(ProcessRLock));

    static ProcessRLock ISharedObject<ProcessRLock>.Open(SharedSegment memory) => new(memory);

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<ProcessRLock>.Register();
}
