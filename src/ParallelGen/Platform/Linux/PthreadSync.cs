using System.Runtime.Versioning;

namespace ParallelGen.Platform.Linux;

/// <summary>
/// A <see cref="SyncCell"/> on Linux: a robust, process-shared pthread mutex and condition variable in shared memory.
/// If a process dies holding the mutex, the next process to lock it gets it back (<c>EOWNERDEAD</c>) and the mutex is
/// marked consistent again, so nobody waits forever.
/// </summary>
[SupportedOSPlatform("linux")]
internal readonly unsafe struct PthreadSync
{
    /// <summary>The bytes a cell takes: a mutex, then a condition variable.</summary>
    public const int Size = 2 * LibC.SyncObjectSize;

    private readonly byte* _mutex;

    public PthreadSync(byte* at) => _mutex = at;

    private byte* Condition => _mutex + LibC.SyncObjectSize;

    /// <summary>Initializes the cell in freshly created (zeroed) shared memory.</summary>
    public static void Initialize(byte* at, bool recursive)
    {
        // Attribute objects are 4 bytes on x86-64 glibc and 8 on arm64: room for any of them.
        byte* attributes = stackalloc byte[LibC.AttributeObjectSize];
        Check(LibC.pthread_mutexattr_init(attributes), "pthread_mutexattr_init");
        Check(LibC.pthread_mutexattr_setpshared(attributes, LibC.PTHREAD_PROCESS_SHARED), "pthread_mutexattr_setpshared");
        Check(LibC.pthread_mutexattr_setrobust(attributes, LibC.PTHREAD_MUTEX_ROBUST), "pthread_mutexattr_setrobust");
        if (recursive)
        {
            Check(LibC.pthread_mutexattr_settype(attributes, LibC.PTHREAD_MUTEX_RECURSIVE), "pthread_mutexattr_settype");
        }

        Check(LibC.pthread_mutex_init(at, attributes), "pthread_mutex_init");
        LibC.pthread_mutexattr_destroy(attributes);

        byte* conditionAttributes = stackalloc byte[LibC.AttributeObjectSize];
        Check(LibC.pthread_condattr_init(conditionAttributes), "pthread_condattr_init");
        Check(LibC.pthread_condattr_setpshared(conditionAttributes, LibC.PTHREAD_PROCESS_SHARED), "pthread_condattr_setpshared");
        Check(LibC.pthread_cond_init(at + LibC.SyncObjectSize, conditionAttributes), "pthread_cond_init");
        LibC.pthread_condattr_destroy(conditionAttributes);
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
            LibC.TimeSpec time = ToTimeSpec(deadline);
            result = LibC.pthread_mutex_clocklock(_mutex, LibC.CLOCK_MONOTONIC, &time);
        }

        return Settle(result, "lock", ref abandoned);
    }

    public void Unlock() => LibC.pthread_mutex_unlock(_mutex);


    /// <summary>Unlocks; <see langword="false"/> if the calling thread does not hold the mutex.</summary>
    public bool TryUnlock() => LibC.pthread_mutex_unlock(_mutex) != LibC.EPERM;

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
            LibC.TimeSpec time = ToTimeSpec(deadline);
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

    /// <summary>Gets the time on the clock the waits use (CLOCK_MONOTONIC), in nanoseconds.</summary>
    public static long MonotonicNanoseconds()
    {
        LibC.TimeSpec now;
        LibC.clock_gettime(LibC.CLOCK_MONOTONIC, &now);
        return (now.Seconds * 1_000_000_000) + now.Nanoseconds;
    }

    private static LibC.TimeSpec ToTimeSpec(Deadline deadline) =>
        new() { Seconds = deadline.Nanoseconds / 1_000_000_000, Nanoseconds = deadline.Nanoseconds % 1_000_000_000 };

    private static void Check(int result, string operation)
    {
        if (result != 0)
        {
            throw new IOException($"{operation} failed with error {result}.");
        }
    }
}
