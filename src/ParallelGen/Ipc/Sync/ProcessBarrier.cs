using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>A barrier for a fixed number of processes (Python's <c>multiprocessing.Barrier</c>): each waits until all have arrived.</summary>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class ProcessBarrier : SharedObject, ISharedObject<ProcessBarrier>
{
    private const int PartiesOffset = SyncCell.Size;
    private const int ArrivedOffset = SyncCell.Size + 4;
    private const int GenerationOffset = SyncCell.Size + 8;

    private ProcessBarrier(SharedSegment memory)
        : base(memory)
    {
    }

    /// <summary>Creates a barrier for <paramref name="parties"/> participants.</summary>
    public ProcessBarrier(int parties)
        : this(SharedSegment.Create(SyncCell.Size + 12))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1);
        SyncCell.Initialize(Data);
        *(int*)(Data + PartiesOffset) = parties;
    }

    /// <summary>Gets the number of participants.</summary>
    public int Parties => *(int*)(Data + PartiesOffset);

    private SyncCell Cell => new(Data);

    private ref int Arrived => ref *(int*)(Data + ArrivedOffset);

    private ref int Generation => ref *(int*)(Data + GenerationOffset);

    /// <summary>Arrives and waits for the others.</summary>
    /// <returns>The arrival index, from <c>Parties - 1</c> (first) down to 0 (last), as Python's <c>wait()</c>.</returns>
    public int SignalAndWait() => SignalAndWait(Timeout.InfiniteTimeSpan) ?? throw new InvalidOperationException("unreachable");

    /// <summary>Arrives and waits up to <paramref name="timeout"/> for the others.</summary>
    /// <returns>The arrival index, or <see langword="null"/> if the others did not arrive in time (this arrival is withdrawn).</returns>
    public int? SignalAndWait(TimeSpan timeout)
    {
        Deadline deadline = Deadline.After(timeout);
        if (!Cell.Lock(deadline, out _))
        {
            return null;
        }

        try
        {
            int generation = Generation;
            int index = Parties - 1 - Arrived;
            if (++Arrived == Parties)
            {
                Arrived = 0;
                Generation++;
                Cell.NotifyAll();
                return index;
            }

            while (Generation == generation)
            {
                if (!Cell.Wait(deadline) && Generation == generation)
                {
                    Arrived--;
                    return null;
                }
            }

            return index;
        }
        finally
        {
            Cell.Unlock();
        }
    }

    static ProcessBarrier ISharedObject<ProcessBarrier>.Open(SharedSegment memory) => new(memory);
}
