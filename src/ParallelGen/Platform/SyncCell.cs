using ParallelGen.Platform.Linux;

namespace ParallelGen.Platform;

/// <summary>
/// A robust, process-shared pthread mutex and condition variable living in shared memory: the building block of every
/// cross-process primitive. If a process dies holding the mutex, the next process to lock it gets it back
/// (<c>EOWNERDEAD</c>) and the cell is marked consistent again, so nobody waits forever.
/// </summary>
internal readonly unsafe struct SyncCell
{
    /// <summary>The bytes a cell takes: a mutex, then a condition variable.</summary>
    public const int Size = 2 * LibC.SyncObjectSize;

    private readonly byte* _mutex;

    public SyncCell(byte* at) => _mutex = at;

    private byte* Condition => _mutex + LibC.SyncObjectSize;

    /// <summary>Initializes the cell in freshly created (zeroed) shared memory.</summary>
    public static void Initialize(byte* at, bool recursive = false)
    {
        int attributes = 0;
        Check(LibC.pthread_mutexattr_init(&attributes), "pthread_mutexattr_init");
        Check(LibC.pthread_mutexattr_setpshared(&attributes, LibC.PTHREAD_PROCESS_SHARED), "pthread_mutexattr_setpshared");
        Check(LibC.pthread_mutexattr_setrobust(&attributes, LibC.PTHREAD_MUTEX_ROBUST), "pthread_mutexattr_setrobust");
        if (recursive)
        {
            Check(LibC.pthread_mutexattr_settype(&attributes, LibC.PTHREAD_MUTEX_RECURSIVE), "pthread_mutexattr_settype");
        }

        Check(LibC.pthread_mutex_init(at, &attributes), "pthread_mutex_init");
        LibC.pthread_mutexattr_destroy(&attributes);

        int conditionAttributes = 0;
        Check(LibC.pthread_condattr_init(&conditionAttributes), "pthread_condattr_init");
        Check(LibC.pthread_condattr_setpshared(&conditionAttributes, LibC.PTHREAD_PROCESS_SHARED), "pthread_condattr_setpshared");
        Check(LibC.pthread_cond_init(at + LibC.SyncObjectSize, &conditionAttributes), "pthread_cond_init");
        LibC.pthread_condattr_destroy(&conditionAttributes);
    }

    /// <summary>Locks the mutex, waiting until <paramref name="deadline"/>.</summary>
    /// <param name="deadline">When to give up.</param>
    /// <param name="abandoned">Set when the previous owner died holding the mutex (now recovered and held by us).</param>
    /// <returns><see langword="false"/> on timeout.</returns>
    public bool Lock(Deadline deadline, out bool abandoned)
    {
        abandoned = false;
        int result;
        if (deadline.IsInfinite)
        {
            result = LibC.pthread_mutex_lock(_mutex);
        }
        else
        {
            LibC.TimeSpec time = deadline.Time;
            result = LibC.pthread_mutex_clocklock(_mutex, LibC.CLOCK_MONOTONIC, &time);
        }

        return Settle(result, "lock", ref abandoned);
    }

    /// <summary>Locks the mutex for a user-visible lock: an abandoned mutex is reported, as <see cref="Mutex"/> does.</summary>
    /// <returns><see langword="false"/> on timeout.</returns>
    /// <exception cref="AbandonedMutexException">Its previous owner died holding it; it is now held by the caller.</exception>
    public bool Enter(TimeSpan timeout, string typeName)
    {
        if (!Lock(Deadline.After(timeout), out bool abandoned))
        {
            return false;
        }

        return abandoned
            ? throw new AbandonedMutexException($"A process died while holding this {typeName}; it is now held by the caller, who should check the state it protects.")
            : true;
    }

    /// <summary>Locks, then waits until <paramref name="ready"/> holds. Returns with the lock held, or <see langword="false"/> (lock released) on timeout.</summary>
    public bool LockWhen(Deadline deadline, Func<bool> ready)
    {
        if (!Lock(deadline, out _))
        {
            return false;
        }

        while (!ready())
        {
            if (!Wait(deadline) && !ready())
            {
                Unlock();
                return false;
            }
        }

        return true;
    }

    /// <summary>Locks the mutex without a deadline, recovering it silently if its owner died.</summary>
    public void Lock() => Lock(Deadline.Infinite, out _);

    public void Unlock() => LibC.pthread_mutex_unlock(_mutex);

    /// <summary>Unlocks a user-visible lock, which only the thread holding it may do (as with <see cref="Mutex"/>).</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public void Exit(string typeName)
    {
        if (LibC.pthread_mutex_unlock(_mutex) == LibC.EPERM)
        {
            throw new SynchronizationLockException($"The calling thread does not hold this {typeName}: only the thread that entered it can exit it.");
        }
    }

    /// <summary>Waits on the condition variable (the mutex must be held); <see langword="false"/> on timeout.</summary>
    public bool Wait(Deadline deadline)
    {
        int result;
        if (deadline.IsInfinite)
        {
            result = LibC.pthread_cond_wait(Condition, _mutex);
        }
        else
        {
            LibC.TimeSpec time = deadline.Time;
            result = LibC.pthread_cond_clockwait(Condition, _mutex, LibC.CLOCK_MONOTONIC, &time);
        }

        bool abandoned = false;
        return Settle(result, "wait", ref abandoned);
    }

    public void NotifyOne() => LibC.pthread_cond_signal(Condition);

    public void NotifyAll() => LibC.pthread_cond_broadcast(Condition);

    private bool Settle(int result, string operation, ref bool abandoned)
    {
        switch (result)
        {
            case 0:
                return true;
            case LibC.ETIMEDOUT:
                return false;
            case LibC.EPERM:
                throw new SynchronizationLockException($"pthread {operation}: the calling thread does not hold the lock.");
            case LibC.EOWNERDEAD:
                // The owner died while holding it: we hold it now; make it usable again.
                LibC.pthread_mutex_consistent(_mutex);
                abandoned = true;
                return true;
            default:
                throw new IOException($"pthread {operation} failed with error {result}.");
        }
    }

    private static void Check(int result, string operation)
    {
        if (result != 0)
        {
            throw new IOException($"{operation} failed with error {result}.");
        }
    }
}
