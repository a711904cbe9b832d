using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace ParallelGen.Platform.Windows;

/// <summary>
/// A <see cref="SyncCell"/> on Windows. The cell in shared memory holds a random id, the owning thread, and a
/// condition variable's generation and waiter count; the lock is a named kernel mutex derived from the id
/// (<c>Local\pg-s-&lt;id&gt;</c>), so a process that dies holding it abandons it and the next waiter gets it with
/// <c>WAIT_ABANDONED</c>, as a robust pthread mutex gives <c>EOWNERDEAD</c>. The names hold 128 random bits, so they
/// cannot collide between pools or users, and the kernel objects go with their last handle.
/// </summary>
/// <remarks>
/// <para>The condition variable: waiters join the open generation: holding the lock, a waiter opens that generation's
/// semaphore (<c>…-&lt;generation&gt;</c>) and counts itself, releases the lock and waits on the semaphore. A
/// notification, under the lock, releases one waiter of the oldest generation that still has unreleased ones: when
/// that is the open generation, it is closed (a new one opens), so a waiter that comes later can never take a wake-up
/// meant for an earlier one, and one whose wait has not begun yet finds its token there. At most one closed generation
/// has unreleased waiters at a time (a notification serves it before it closes another), so the cell holds the counts
/// of two. <see cref="NotifyOne"/> wakes exactly one waiter, <see cref="NotifyAll"/> every waiter there is, as on
/// Linux and in Python. A waiter that times out uncounts itself; if a token was released for its generation that no
/// remaining waiter can take, it takes it and reports the notification, so none is lost.</para>
/// <para>The mutex is reentrant on Windows; a non-reentrant cell blocks a thread that takes it again until its
/// deadline, as a pthread mutex does.</para>
/// </remarks>
[SupportedOSPlatform("windows")]
internal readonly unsafe struct WindowsSync
{
    private const int Magic = 0x43534750; // "PGSC"
    private const int MagicOffset = 0;
    private const int FlagsOffset = 4;
    private const int IdOffset = 8;
    private const int IdLength = 16;
    private const int OwnerPidOffset = 24;
    private const int OwnerTidOffset = 28;
    private const int OpenGenerationOffset = 32;
    private const int OpenWaitersOffset = 40;
    private const int DepthOffset = 44;
    private const int ClosedGenerationOffset = 48;
    private const int ClosedWaitersOffset = 56;
    private const int ClosedReleasedOffset = 60;
    private const int RecursiveFlag = 1;

    private readonly byte* _at;

    public WindowsSync(byte* at) => _at = at;

    private ReadOnlySpan<byte> Id => new(_at + IdOffset, IdLength);

    private bool IsRecursive => (*(int*)(_at + FlagsOffset) & RecursiveFlag) != 0;

    private ref int OwnerPid => ref *(int*)(_at + OwnerPidOffset);

    private ref int OwnerTid => ref *(int*)(_at + OwnerTidOffset);

    /// <summary>Gets the generation new waiters join.</summary>
    private ref long OpenGeneration => ref *(long*)(_at + OpenGenerationOffset);

    private ref int OpenWaiters => ref *(int*)(_at + OpenWaitersOffset);

    /// <summary>Gets the last closed generation: its waiters, and how many of them have been released (not yet woken and counted off).</summary>
    private ref long ClosedGeneration => ref *(long*)(_at + ClosedGenerationOffset);

    private ref int ClosedWaiters => ref *(int*)(_at + ClosedWaitersOffset);

    private ref int ClosedReleased => ref *(int*)(_at + ClosedReleasedOffset);

    private ref int Depth => ref *(int*)(_at + DepthOffset);

    private bool HeldByCaller => OwnerPid == Environment.ProcessId && OwnerTid == (int)Kernel32.GetCurrentThreadId();

    /// <summary>Initializes the cell in freshly created (zeroed) shared memory, and creates its mutex (this process keeps it open).</summary>
    public static void Initialize(byte* at, bool recursive)
    {
        RandomNumberGenerator.Fill(new Span<byte>(at + IdOffset, IdLength));
        *(int*)(at + FlagsOffset) = recursive ? RecursiveFlag : 0;
        Volatile.Write(ref *(int*)(at + MagicOffset), Magic);
        new WindowsSync(at).Get(out _);
    }

    /// <summary>Locks, waiting until <paramref name="deadline"/>.</summary>
    /// <param name="deadline">When to give up.</param>
    /// <param name="abandoned">Set when the previous owner died holding the lock (now held by us).</param>
    /// <returns><see langword="false"/> on timeout.</returns>
    public bool Lock(Deadline deadline, out bool abandoned)
    {
        abandoned = false;
        if (HeldByCaller)
        {
            if (IsRecursive)
            {
                Handles reentered = Get(out bool unfiled);
                Kernel32.WaitForSingleObject(reentered.Mutex, 0); // Owned by this thread: counts one more, at once.
                Depth++;
                Done(reentered, unfiled);
                return true;
            }

            SleepUntil(deadline); // Not reentrant: taking it again blocks, as it does a pthread mutex.
            return false;
        }

        Handles handles = Get(out bool isUnfiled);
        try
        {
            uint result = WaitUntil(handles.Mutex, deadline);
            if (result == Kernel32.WAIT_TIMEOUT)
            {
                return false;
            }

            // An owner recorded but not cleared died holding the lock (also when its kernel mutex went with its last handle).
            abandoned = result == Kernel32.WAIT_ABANDONED || OwnerPid != 0;
            OwnerPid = Environment.ProcessId;
            OwnerTid = (int)Kernel32.GetCurrentThreadId();
            Depth = 1;
            return true;
        }
        finally
        {
            Done(handles, isUnfiled);
        }
    }

    /// <summary>Unlocks; <see langword="false"/> if the calling thread does not hold the lock.</summary>
    public bool TryUnlock()
    {
        if (!HeldByCaller)
        {
            return false;
        }

        Handles handles = Get(out bool unfiled);
        if (--Depth == 0)
        {
            OwnerTid = 0;
            OwnerPid = 0;
        }

        bool released = Kernel32.ReleaseMutex(handles.Mutex);
        Done(handles, unfiled);
        return released;
    }

    /// <summary>Waits on the condition variable (the lock must be held); <see langword="false"/> on timeout.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public bool Wait(Deadline deadline)
    {
        if (!HeldByCaller)
        {
            throw new SynchronizationLockException("Waiting on a condition needs its lock, which the calling thread does not hold.");
        }

        Handles handles = Get(out bool unfiled);
        try
        {
            long generation = OpenGeneration;
            nint wakeUp = Kernel32.CreateSemaphoreW(null, 0, int.MaxValue, handles.SemaphoreName(generation));
            if (wakeUp == 0)
            {
                throw Kernel32.LastError("CreateSemaphore");
            }

            int depth = Depth;
            OpenWaiters++;
            OwnerTid = 0;
            OwnerPid = 0;
            Depth = 0;
            for (int i = 0; i < depth; i++)
            {
                Kernel32.ReleaseMutex(handles.Mutex);
            }

            uint result = WaitUntil(wakeUp, deadline);
            for (int i = 0; i < depth; i++)
            {
                WaitUntil(handles.Mutex, Deadline.Infinite); // As pthread_cond_wait: the lock is taken again, abandoned or not.
            }

            OwnerPid = Environment.ProcessId;
            OwnerTid = (int)Kernel32.GetCurrentThreadId();
            Depth = depth;
            bool notified = CountOff(generation, wakeUp, tokenTaken: result == Kernel32.WAIT_OBJECT_0);
            Kernel32.CloseHandle(wakeUp); // Only now: a notifier that still counts this waiter must find the semaphore.
            return notified;
        }
        finally
        {
            Done(handles, unfiled);
        }
    }

    /// <summary>Wakes one waiter, of the longest-waiting generation.</summary>
    public void NotifyOne() => Notify(all: false);

    /// <summary>Wakes every waiter.</summary>
    public void NotifyAll() => Notify(all: true);

    private void Notify(bool all)
    {
        bool locked = !HeldByCaller && Lock(Deadline.Infinite, out _);
        Handles handles = Get(out bool unfiled);
        try
        {
            int unreleased = ClosedWaiters - ClosedReleased;
            if (unreleased > 0)
            {
                int count = all ? unreleased : 1;
                if (Release(handles, ClosedGeneration, count))
                {
                    ClosedReleased += count;
                    if (!all)
                    {
                        return;
                    }
                }
                else
                {
                    ClosedWaiters = ClosedReleased; // Every waiter left of it died waiting: serve the open generation.
                }
            }

            if (OpenWaiters > 0)
            {
                // Close the open generation: whoever waits from now on joins the next, and cannot take this wake-up.
                int count = all ? OpenWaiters : 1;
                bool released = Release(handles, OpenGeneration, count);
                ClosedGeneration = OpenGeneration;
                ClosedWaiters = released ? OpenWaiters : 0;
                ClosedReleased = released ? count : 0;
                OpenGeneration++;
                OpenWaiters = 0;
            }
        }
        finally
        {
            Done(handles, unfiled);
            if (locked)
            {
                TryUnlock();
            }
        }
    }

    /// <summary>Counts a waiter of <paramref name="generation"/> off, holding the lock again; returns whether it was notified.</summary>
    private bool CountOff(long generation, nint wakeUp, bool tokenTaken)
    {
        if (generation == OpenGeneration)
        {
            OpenWaiters--; // Timed out: the open generation has had no release.
            return false;
        }

        if (generation != ClosedGeneration)
        {
            return true; // An older generation: every one of its waiters was released, this one too.
        }

        ClosedWaiters--;
        if (tokenTaken)
        {
            ClosedReleased--;
            return true;
        }

        if (ClosedReleased > ClosedWaiters)
        {
            // Timed out, but more tokens are out than waiters left to take them: one was meant for this waiter.
            Kernel32.WaitForSingleObject(wakeUp, 0);
            ClosedReleased--;
            return true;
        }

        return false;
    }

    /// <summary>Releases <paramref name="count"/> waiters of a generation; <see langword="false"/> if none of its waiters is alive (its semaphore is gone).</summary>
    private static bool Release(Handles handles, long generation, int count)
    {
        nint semaphore = Kernel32.OpenSemaphoreW(Kernel32.SEMAPHORE_MODIFY_STATE, false, handles.SemaphoreName(generation));
        if (semaphore == 0)
        {
            return false;
        }

        Kernel32.ReleaseSemaphore(semaphore, count, null);
        Kernel32.CloseHandle(semaphore);
        return true;
    }

    private static void Done(Handles handles, bool unfiled)
    {
        if (unfiled)
        {
            handles.Close();
        }
    }

    /// <summary>Waits for <paramref name="handle"/> until <paramref name="deadline"/>, in slices a Win32 wait can express.</summary>
    private static uint WaitUntil(nint handle, Deadline deadline)
    {
        while (true)
        {
            uint result = Kernel32.WaitForSingleObject(handle, Milliseconds(deadline));
            if (result == Kernel32.WAIT_FAILED)
            {
                throw Kernel32.LastError("WaitForSingleObject");
            }

            if (result != Kernel32.WAIT_TIMEOUT || deadline.HasPassed)
            {
                return result;
            }
        }
    }

    private static void SleepUntil(Deadline deadline)
    {
        while (!deadline.HasPassed)
        {
            Thread.Sleep((int)Math.Min(Milliseconds(deadline), int.MaxValue));
        }
    }

    private static uint Milliseconds(Deadline deadline)
    {
        if (deadline.IsInfinite)
        {
            return Kernel32.INFINITE;
        }

        long remaining = deadline.RemainingNanoseconds;
        return (uint)Math.Min((remaining / 1_000_000) + (remaining % 1_000_000 == 0 ? 0 : 1), Kernel32.INFINITE - 1);
    }

    private Handles Get(out bool unfiled)
    {
        if (Volatile.Read(ref *(int*)(_at + MagicOffset)) != Magic)
        {
            throw new InvalidDataException("The shared memory holds no ParallelGen sync cell.");
        }

        return WindowsMapping.HandlesOf(_at, Id, out unfiled);
    }

    /// <summary>This process's handle to a cell's mutex, and the name its semaphores derive from.</summary>
    internal sealed class Handles
    {
        private readonly byte[] _id;
        private readonly string _name;

        private Handles(byte[] id, string name, nint mutex)
        {
            _id = id;
            _name = name;
            Mutex = mutex;
        }

        public nint Mutex { get; private set; }

        /// <summary>Opens the cell's mutex, creating it if no process has it open.</summary>
        public static Handles Open(ReadOnlySpan<byte> id)
        {
            string name = @"Local\pg-s-" + Convert.ToHexString(id);
            nint mutex = Kernel32.CreateMutexW(null, false, name);
            return mutex != 0 ? new Handles(id.ToArray(), name, mutex) : throw Kernel32.LastError("CreateMutex");
        }

        public bool Matches(ReadOnlySpan<byte> id) => id.SequenceEqual(_id);

        public string SemaphoreName(long generation) => _name + "-" + generation.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public void Close()
        {
            nint mutex = Mutex;
            Mutex = 0;
            if (mutex != 0)
            {
                Kernel32.CloseHandle(mutex);
            }
        }
    }
}
