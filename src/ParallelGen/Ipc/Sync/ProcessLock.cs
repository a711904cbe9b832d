using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// A lock shared by processes (Python's <c>multiprocessing.Lock</c>): pass it to tasks and processes as an argument.
/// Not re-entrant; see <see cref="ProcessRLock"/>.
/// </summary>
/// <remarks>
/// If a process dies while holding the lock, the lock is not lost: the next <see cref="Enter()"/> gets it and throws
/// <see cref="AbandonedMutexException"/> while holding it (as <see cref="Mutex"/> does), so the caller can check the
/// state the lock protects and then call <see cref="Exit"/>. <see cref="EnterScope"/> releases it before throwing.
/// </remarks>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class ProcessLock : SharedObject, ISharedObject<ProcessLock>, MemoryPack.IMemoryPackFormatterRegister
{
    static ProcessLock() => SharedObjectFormatter<ProcessLock>.Register();

    private ProcessLock(SharedSegment memory, bool isView = false)
        : base(memory, isView)
    {
    }

    /// <summary>Creates a lock.</summary>
    public ProcessLock()
        : this(SharedSegment.Create(SyncCell.Size))
    {
        SyncCell.Initialize(Data);
    }

    private SyncCell Cell => new(Data);

    /// <summary>Waits for the lock and takes it.</summary>
    /// <exception cref="AbandonedMutexException">Its previous owner died holding it; the lock is now held by the caller.</exception>
    public void Enter() => TryEnter(Timeout.InfiniteTimeSpan);

    /// <summary>Tries to take the lock within <paramref name="timeout"/>; <see cref="TimeSpan.Zero"/> does not wait.</summary>
    /// <returns>Whether the lock was taken.</returns>
    /// <exception cref="AbandonedMutexException">Its previous owner died holding it; the lock is now held by the caller.</exception>
    public bool TryEnter(TimeSpan timeout) => Cell.Enter(timeout, nameof(ProcessLock));

    /// <summary>Releases the lock.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public void Exit() => Cell.Exit(nameof(ProcessLock));

    /// <summary>Takes the lock for a <see langword="using"/> block: <c>using (sharedLock.EnterScope()) { ... }</c>.</summary>
    /// <exception cref="AbandonedMutexException">Its previous owner died holding it; the lock was released again.</exception>
    public Scope EnterScope()
    {
        try
        {
            Enter();
        }
        catch (AbandonedMutexException)
        {
            Exit();
            throw;
        }

        return new Scope(this);
    }

    /// <summary>Holds a <see cref="ProcessLock"/> until disposed.</summary>
    public readonly struct Scope(ProcessLock owner) : IDisposable
    {
        /// <summary>Releases the lock.</summary>
        public void Dispose() => owner?.Exit();
    }

    /// <summary>Maps the lock of another process.</summary>
    static ProcessLock ISharedObject<ProcessLock>.Open(SharedSegment memory) => new(memory);

    /// <summary>Gets a lock over the cell at the start of another shared object's memory (a shared value's or array's lock).</summary>
    internal static ProcessLock ViewOf(SharedSegment memory) => new(memory, isView: true);

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<ProcessLock>.Register();
}
