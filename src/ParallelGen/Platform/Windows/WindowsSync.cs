using System.Diagnostics;
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
/// <para>The condition variable: a waiter, holding the lock, opens the manual-reset event of the current generation
/// (<c>…-&lt;generation&gt;</c>) and counts itself, releases the lock and waits on the event. A notification, under the
/// lock, sets that event and starts a new generation, so a later waiter can never take a wake-up meant for an earlier
/// one, and one whose wait has not begun yet finds the event set. A notification therefore wakes every waiter of the
/// generation (POSIX allows a signal to wake more than one); every caller waits in a loop over its condition.</para>
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
    private const int GenerationOffset = 32;
    private const int WaitersOffset = 40;
    private const int DepthOffset = 44;
    private const int RecursiveFlag = 1;

    private readonly byte* _at;

    public WindowsSync(byte* at) => _at = at;

    private ReadOnlySpan<byte> Id => new(_at + IdOffset, IdLength);

    private bool IsRecursive => (*(int*)(_at + FlagsOffset) & RecursiveFlag) != 0;

    private ref int OwnerPid => ref *(int*)(_at + OwnerPidOffset);

    private ref int OwnerTid => ref *(int*)(_at + OwnerTidOffset);

    private ref long Generation => ref *(long*)(_at + GenerationOffset);

    private ref int Waiters => ref *(int*)(_at + WaitersOffset);

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
            long generation = Generation;
            nint wakeUp = Kernel32.CreateEventW(null, true, false, handles.EventName(generation));
            if (wakeUp == 0)
            {
                throw Kernel32.LastError("CreateEvent");
            }

            int depth = Depth;
            Waiters++;
            OwnerTid = 0;
            OwnerPid = 0;
            Depth = 0;
            for (int i = 0; i < depth; i++)
            {
                Kernel32.ReleaseMutex(handles.Mutex);
            }

            uint result = WaitUntil(wakeUp, deadline);
            Kernel32.CloseHandle(wakeUp);
            for (int i = 0; i < depth; i++)
            {
                WaitUntil(handles.Mutex, Deadline.Infinite); // As pthread_cond_wait: the lock is taken again, abandoned or not.
            }

            OwnerPid = Environment.ProcessId;
            OwnerTid = (int)Kernel32.GetCurrentThreadId();
            Depth = depth;
            bool notified = result == Kernel32.WAIT_OBJECT_0 || Generation != generation;
            if (!notified && Waiters > 0)
            {
                Waiters--; // Timed out within the generation: no notification counts this waiter any more.
            }

            return notified;
        }
        finally
        {
            Done(handles, unfiled);
        }
    }

    /// <summary>Wakes the waiters of the current generation (every one: see the remarks).</summary>
    public void NotifyAll()
    {
        bool locked = !HeldByCaller && Lock(Deadline.Infinite, out _);
        Handles handles = Get(out bool unfiled);
        try
        {
            if (Waiters == 0)
            {
                return;
            }

            long generation = Generation;
            Generation = generation + 1;
            Waiters = 0;
            nint wakeUp = Kernel32.OpenEventW(Kernel32.EVENT_MODIFY_STATE, false, handles.EventName(generation));
            if (wakeUp != 0)
            {
                // Absent when every waiter of the generation has timed out and closed it.
                Kernel32.SetEvent(wakeUp);
                Kernel32.CloseHandle(wakeUp);
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

    /// <summary>Gets the time of the clock waits are measured on (<see cref="Stopwatch"/>: QueryPerformanceCounter), in nanoseconds.</summary>
    public static long MonotonicNanoseconds()
    {
        long ticks = Stopwatch.GetTimestamp();
        long frequency = Stopwatch.Frequency;
        return ((ticks / frequency) * 1_000_000_000) + ((ticks % frequency) * 1_000_000_000 / frequency);
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

        long remaining = deadline.Nanoseconds - MonotonicNanoseconds();
        return remaining <= 0 ? 0 : (uint)Math.Min((remaining + 999_999) / 1_000_000, Kernel32.INFINITE - 1);
    }

    private Handles Get(out bool unfiled)
    {
        if (Volatile.Read(ref *(int*)(_at + MagicOffset)) != Magic)
        {
            throw new InvalidDataException("The shared memory holds no ParallelGen sync cell.");
        }

        return WindowsMapping.HandlesOf(_at, Id, out unfiled);
    }

    /// <summary>This process's handle to a cell's mutex, and the name its events derive from.</summary>
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

        public string EventName(long generation) => _name + "-" + generation.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
