using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// A condition variable shared by processes, with its own lock (Python's <c>multiprocessing.Condition</c>):
/// <c>Enter</c>, then <c>Wait</c> until another process changes the shared state and calls <c>NotifyAll</c>.
/// </summary>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class ProcessCondition : SharedObject, ISharedObject<ProcessCondition>, MemoryPack.IMemoryPackFormatterRegister
{
    static ProcessCondition() => SharedObjectFormatter<ProcessCondition>.Register();

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

    /// <summary>
    /// Waits until <paramref name="predicate"/> holds (Python's <c>wait_for</c>): checks it, and while it is false waits
    /// for a notification and checks again. Call it holding the lock; the predicate runs holding it.
    /// </summary>
    /// <returns>The predicate's last value: <see langword="true"/>.</returns>
    public bool WaitFor(Func<bool> predicate) => WaitFor(predicate, Timeout.InfiniteTimeSpan);

    /// <summary>Like <see cref="WaitFor(Func{bool})"/>, for at most <paramref name="timeout"/> in all (Python's <c>wait_for(predicate, timeout)</c>).</summary>
    /// <returns>The predicate's last value: <see langword="false"/> if the time ran out first (the lock is held again either way).</returns>
    public bool WaitFor(Func<bool> predicate, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        Deadline deadline = Deadline.After(timeout);
        bool result = predicate();
        while (!result)
        {
            if (!Cell.Wait(deadline))
            {
                return predicate();
            }

            result = predicate();
        }

        return result;
    }

    /// <summary>Wakes one waiting process (call it holding the lock).</summary>
    public void Notify() => Cell.NotifyOne();

    /// <summary>Wakes up to <paramref name="count"/> waiting processes (Python's <c>notify(n)</c>; call it holding the lock).</summary>
    /// <remarks>As with any condition variable a waiter may also wake without a notification, so wait in a loop that checks the state, or use <see cref="WaitFor(Func{bool}, TimeSpan)"/>.</remarks>
    public void Notify(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (int i = 0; i < count; i++)
        {
            Cell.NotifyOne();
        }
    }

    /// <summary>Wakes every waiting process (call it holding the lock).</summary>
    public void NotifyAll() => Cell.NotifyAll();

    static ProcessCondition ISharedObject<ProcessCondition>.Open(SharedSegment memory) => new(memory);

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<ProcessCondition>.Register();
}
