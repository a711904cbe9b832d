using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// A condition variable shared by processes, with its own lock (Python's <c>multiprocessing.Condition</c>):
/// <c>Enter</c>, then <c>Wait</c> until another process changes the shared state and calls <c>NotifyAll</c>.
/// </summary>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class ProcessCondition : SharedObject, ISharedObject<ProcessCondition>
{
    private ProcessCondition(SharedSegment memory)
        : base(memory)
    {
    }

    /// <summary>Creates a condition variable and its lock.</summary>
    public ProcessCondition()
        : this(SharedSegment.Create(SyncCell.Size))
    {
        SyncCell.Initialize(Data);
    }

    private SyncCell Cell => new(Data);

    /// <summary>Takes the condition's lock.</summary>
    public void Enter() => Cell.Lock();

    /// <summary>Tries to take the condition's lock within <paramref name="timeout"/>.</summary>
    public bool TryEnter(TimeSpan timeout) => Cell.Lock(Deadline.After(timeout), out _);

    /// <summary>Releases the condition's lock.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public void Exit() => Cell.Exit(nameof(ProcessCondition));

    /// <summary>Releases the lock, waits for a notification, and takes the lock again. Call it holding the lock, in a loop that checks the state.</summary>
    public void Wait() => Cell.Wait(Deadline.Infinite);

    /// <summary>Like <see cref="Wait()"/>, for at most <paramref name="timeout"/>.</summary>
    /// <returns><see langword="false"/> if the time ran out (the lock is held again either way).</returns>
    public bool Wait(TimeSpan timeout) => Cell.Wait(Deadline.After(timeout));

    /// <summary>Wakes one waiting process (call it holding the lock).</summary>
    public void Notify() => Cell.NotifyOne();

    /// <summary>Wakes every waiting process (call it holding the lock).</summary>
    public void NotifyAll() => Cell.NotifyAll();

    static ProcessCondition ISharedObject<ProcessCondition>.Open(SharedSegment memory) => new(memory);
}
