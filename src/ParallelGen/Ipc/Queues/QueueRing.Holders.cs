using System.Diagnostics;
using ParallelGen.Platform;

namespace ParallelGen.Ipc;

/// <summary>
/// The holders of a pipe's two ends, kept in the header of each of its buffers: per process, how many copies of the
/// end it holds (objects, and copies in transit to another process). End of file and broken pipe come from here.
/// </summary>
internal readonly unsafe partial struct QueueRing
{
    /// <summary>Counts one more hold of <paramref name="side"/>'s end by <paramref name="pid"/> (an end object there, or one in transit from there).</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="HolderSlots"/> live processes hold that end.</exception>
    public void AddHold(Side side, int pid)
    {
        Cell.Lock();
        try
        {
            int free = -1;
            for (int i = 0; i < HolderSlots; i++)
            {
                HolderSlot* slot = Slot(side, i);
                if (slot->Count > 0 && slot->Pid == pid)
                {
                    slot->Count++;
                    return;
                }

                if (free < 0 && slot->Count <= 0)
                {
                    free = i;
                }
            }

            for (int i = 0; free < 0 && i < HolderSlots; i++)
            {
                if (!Liveness.IsAlive(Slot(side, i)->Pid))
                {
                    free = i; // a holder that died: its slot is free again
                }
            }

            if (free < 0)
            {
                throw new InvalidOperationException($"More than {HolderSlots} processes hold the same end of this pipe at once.");
            }

            *Slot(side, free) = new HolderSlot { Pid = pid, Count = 1 };
        }
        finally
        {
            Cell.Unlock();
        }
    }

    /// <summary>Counts one hold of <paramref name="side"/>'s end by <paramref name="pid"/> less (none is left if that process died meanwhile).</summary>
    /// <returns>Whether no live process holds either end of this buffer any more: nothing can use it again.</returns>
    public bool ReleaseHold(Side side, int pid, Deadline deadline)
    {
        if (!Cell.Lock(deadline, out _))
        {
            return false; // only from a finalizer, which must not wait long: the hold then lapses with the process
        }

        try
        {
            for (int i = 0; i < HolderSlots; i++)
            {
                HolderSlot* slot = Slot(side, i);
                if (slot->Count > 0 && slot->Pid == pid)
                {
                    slot->Count--;
                    break;
                }
            }

            // A reader waiting for end of file, or a writer for a reader, must look again.
            Cell.NotifyAll();
            return !AnyHolder(Side.Writers, scan: true) && !AnyHolder(Side.Readers, scan: true);
        }
        finally
        {
            Cell.Unlock();
        }
    }

    /// <summary>Gets whether the holders are due for a check (none in the last 100 ms, by any process); marks it done.</summary>
    private bool ScanDue()
    {
        long now = Stopwatch.GetTimestamp();
        if (now - LastScan < s_scanInterval)
        {
            return false;
        }

        LastScan = now;
        return true;
    }

    /// <summary>Gets whether some process holds <paramref name="side"/>'s end; with <paramref name="scan"/>, only a live one, and the dead are forgotten.</summary>
    private bool AnyHolder(Side side, bool scan)
    {
        bool any = false;
        for (int i = 0; i < HolderSlots; i++)
        {
            HolderSlot* slot = Slot(side, i);
            if (slot->Count <= 0)
            {
                continue;
            }

            if (!scan)
            {
                return true;
            }

            if (Liveness.IsAlive(slot->Pid))
            {
                any = true;
            }
            else
            {
                *slot = default;
            }
        }

        return any;
    }

    private HolderSlot* Slot(Side side, int index) => (HolderSlot*)(_base + HoldersOffset) + ((int)side * HolderSlots) + index;

    /// <summary>One process's holds of one end: its pid and how many end objects it has (or has in transit).</summary>
    private struct HolderSlot
    {
        public int Pid;
        public int Count;
    }
}
