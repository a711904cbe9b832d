namespace ParallelGen.Platform;

/// <summary>
/// A lock and a condition variable that live in shared memory and work across processes: the building block of every
/// cross-process primitive. If a process dies holding the lock, the next process to take it gets it back, told so
/// (<c>abandoned</c>), so nobody waits forever. On Linux: a robust, process-shared pthread mutex and condition variable
/// (<see cref="Linux.PthreadSync"/>); on Windows, a named kernel mutex (abandoned when its owner dies) and a
/// condition variable of per-generation named semaphores (<see cref="Windows.WindowsSync"/>).
/// </summary>
internal readonly unsafe struct SyncCell
{
    /// <summary>The bytes a cell takes in its shared memory.</summary>
    public const int Size = 128;

    private readonly byte* _at;

    public SyncCell(byte* at) => _at = at;

    /// <summary>Initializes the cell in freshly created (zeroed) shared memory.</summary>
    /// <param name="at">Where the cell goes: <see cref="Size"/> bytes.</param>
    /// <param name="recursive">Whether the thread holding the lock may take it again (a reentrant lock).</param>
    public static void Initialize(byte* at, bool recursive = false)
    {
        if (PlatformSupport.IsLinux)
        {
            Linux.PthreadSync.Initialize(at, recursive);
        }
        else if (PlatformSupport.IsWindows)
        {
            Windows.WindowsSync.Initialize(at, recursive);
        }
        else
        {
            throw PlatformSupport.NotSupported();
        }
    }

    /// <summary>Locks, waiting until <paramref name="deadline"/>.</summary>
    /// <param name="deadline">When to give up.</param>
    /// <param name="abandoned">Set when the previous owner died holding the lock (now recovered and held by us).</param>
    /// <returns><see langword="false"/> on timeout.</returns>
    public bool Lock(Deadline deadline, out bool abandoned) =>
        PlatformSupport.IsLinux ? new Linux.PthreadSync(_at).Lock(deadline, out abandoned)
            : PlatformSupport.IsWindows ? new Windows.WindowsSync(_at).Lock(deadline, out abandoned)
            : throw PlatformSupport.NotSupported();

    /// <summary>Locks for a user-visible lock: an abandoned lock is reported, as <see cref="Mutex"/> does.</summary>
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

    /// <summary>Locks without a deadline, recovering the lock silently if its owner died.</summary>
    public void Lock() => Lock(Deadline.Infinite, out _);

    public void Unlock()
    {
        if (PlatformSupport.IsLinux)
        {
            new Linux.PthreadSync(_at).Unlock();
        }
        else if (PlatformSupport.IsWindows)
        {
            new Windows.WindowsSync(_at).TryUnlock();
        }
    }

    /// <summary>Unlocks a user-visible lock, which only the thread holding it may do (as with <see cref="Mutex"/>).</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public void Exit(string typeName)
    {
        bool released = PlatformSupport.IsLinux ? new Linux.PthreadSync(_at).TryUnlock()
            : !PlatformSupport.IsWindows || new Windows.WindowsSync(_at).TryUnlock();
        if (!released)
        {
            throw new SynchronizationLockException($"The calling thread does not hold this {typeName}: only the thread that entered it can exit it.");
        }
    }

    /// <summary>Waits on the condition variable (the lock must be held); <see langword="false"/> on timeout.</summary>
    public bool Wait(Deadline deadline) =>
        PlatformSupport.IsLinux ? new Linux.PthreadSync(_at).Wait(deadline)
            : PlatformSupport.IsWindows ? new Windows.WindowsSync(_at).Wait(deadline)
            : throw PlatformSupport.NotSupported();

    /// <summary>Wakes one waiter.</summary>
    public void NotifyOne()
    {
        if (PlatformSupport.IsLinux)
        {
            new Linux.PthreadSync(_at).NotifyOne();
        }
        else if (PlatformSupport.IsWindows)
        {
            new Windows.WindowsSync(_at).NotifyOne();
        }
    }

    public void NotifyAll()
    {
        if (PlatformSupport.IsLinux)
        {
            new Linux.PthreadSync(_at).NotifyAll();
        }
        else if (PlatformSupport.IsWindows)
        {
            new Windows.WindowsSync(_at).NotifyAll();
        }
    }
}
