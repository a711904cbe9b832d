using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// A barrier for a fixed number of processes (Python's <c>multiprocessing.Barrier</c>): each party waits in
/// <see cref="SignalAndWait()"/> until all have arrived, then all go on together, and the barrier is ready for the next
/// phase.
/// </summary>
/// <remarks>
/// <para>As in Python, a barrier breaks when a party's wait times out, when <see cref="Abort"/> is called, or when its
/// action throws: every waiting party, and every later wait, then throws <see cref="BrokenBarrierException"/> until
/// <see cref="Reset"/>. So one party that gives up never leaves the others waiting.</para>
/// <para>The action (Python's <c>action</c>) runs once per phase, in exactly one party, after all have arrived and
/// before any is released; no lock is held while it runs. A delegate cannot cross processes, so it belongs to a
/// barrier object: the creating process passes it to the constructor, another process sets <see cref="Action"/> on the
/// object it received. The party that arrives last runs its own action if it has one, otherwise one of the waiting
/// parties that has one does; a phase in which no party has an action has none. If the process running the action
/// dies, the barrier breaks.</para>
/// </remarks>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class ProcessBarrier : SharedObject, ISharedObject<ProcessBarrier>, MemoryPack.IMemoryPackFormatterRegister
{
    private const int PartiesOffset = SyncCell.Size;
    private const int CountOffset = PartiesOffset + 4;
    private const int StateOffset = CountOffset + 4;
    private const int CandidatesOffset = StateOffset + 4;
    private const int GenerationOffset = CandidatesOffset + 4;
    private const int ResetBitsOffset = GenerationOffset + 8;
    private const int DefaultTimeoutOffset = ResetBitsOffset + 8;
    private const int ClaimerOffset = DefaultTimeoutOffset + 8;
    private const int BrokenReasonOffset = ClaimerOffset + 4;
    private const int BrokenByOffset = BrokenReasonOffset + 4;
    private const int SegmentSize = BrokenByOffset + 4;

    /// <summary>How often a party waiting for another process's action checks that it still lives.</summary>
    private static readonly TimeSpan ActionCheckInterval = TimeSpan.FromMilliseconds(100);

    static ProcessBarrier() => SharedObjectFormatter<ProcessBarrier>.Register();

    private ProcessBarrier(SharedSegment memory)
        : base(memory)
    {
    }

    /// <summary>Creates a barrier for <paramref name="parties"/> participants.</summary>
    /// <param name="parties">How many parties must arrive before all go on.</param>
    /// <param name="action">Run by one party per phase, after all arrived and before any goes on (see the remarks).</param>
    /// <param name="timeout">The timeout of <see cref="SignalAndWait()"/> without one (Python's <c>timeout</c>), for every process; none by default.</param>
    public ProcessBarrier(int parties, Action? action = null, TimeSpan? timeout = null)
        : this(SharedSegment.Create(SegmentSize))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1);
        if (timeout is { } t && t != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(t, TimeSpan.Zero, nameof(timeout));
        }

        SyncCell.Initialize(Data);
        *(int*)(Data + PartiesOffset) = parties;
        *(long*)(Data + DefaultTimeoutOffset) = timeout is { } value && value != Timeout.InfiniteTimeSpan ? value.Ticks : -1;
        Action = action;
    }

    private enum BarrierState
    {
        Filling = 0,
        ActionPending = 1,
        Broken = 2,
    }

    private enum BrokenReason
    {
        None = 0,
        TimedOut = 1,
        Aborted = 2,
        ActionFailed = 3,
        ActionRunnerDied = 4,
    }

    /// <summary>Gets the number of parties that must arrive (Python's <c>parties</c>).</summary>
    public int Parties => *(int*)(Data + PartiesOffset);

    /// <summary>Gets the number of parties waiting now (Python's <c>n_waiting</c>); 0 while the barrier is broken.</summary>
    public int WaitingCount => State == BarrierState.Filling ? Volatile.Read(ref Count) : 0;

    /// <summary>Gets whether the barrier is broken (Python's <c>broken</c>).</summary>
    public bool IsBroken => State == BarrierState.Broken;

    /// <summary>Gets the timeout of <see cref="SignalAndWait()"/>, set when the barrier was created; <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan DefaultTimeout => *(long*)(Data + DefaultTimeoutOffset) is var ticks && ticks < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(ticks);

    /// <summary>Gets or sets this object's action: run once per phase by one party that has one (see the remarks).</summary>
    public Action? Action { get; set; }

    private SyncCell Cell => new(Data);

    private BarrierState State
    {
        get => (BarrierState)Volatile.Read(ref *(int*)(Data + StateOffset));
        set => *(int*)(Data + StateOffset) = (int)value;
    }

    private ref int Count => ref *(int*)(Data + CountOffset);

    private ref int Candidates => ref *(int*)(Data + CandidatesOffset);

    private ref long Generation => ref *(long*)(Data + GenerationOffset);

    private ref ulong ResetBits => ref *(ulong*)(Data + ResetBitsOffset);

    private ref int Claimer => ref *(int*)(Data + ClaimerOffset);

    /// <summary>Arrives and waits for the others, up to <see cref="DefaultTimeout"/>.</summary>
    /// <returns>This party's arrival index, 0 for the first and <c>Parties - 1</c> for the last, as Python's <c>wait()</c>.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken, was reset while waiting, or the wait timed out (which breaks it).</exception>
    public int SignalAndWait() => SignalAndWait(DefaultTimeout);

    /// <summary>Arrives and waits up to <paramref name="timeout"/> for the others; if they do not all come in time, the barrier breaks.</summary>
    /// <returns>This party's arrival index, 0 for the first and <c>Parties - 1</c> for the last, as Python's <c>wait()</c>.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken, was reset while waiting, or the wait timed out (which breaks it; the exception then has a <see cref="TimeoutException"/> inside).</exception>
    /// <exception cref="Exception">This party ran the action, which threw: its exception, and the barrier is broken for the others.</exception>
    public int SignalAndWait(TimeSpan timeout)
    {
        Deadline deadline = Deadline.After(timeout);
        Action? action = Action;
        Cell.Lock();
        try
        {
            ThrowIfBroken();
            long generation = Generation;
            int index = Count++;
            if (action is not null)
            {
                Candidates++;
            }

            if (index + 1 == Parties)
            {
                if (action is null && Candidates == 0)
                {
                    EndPhase();
                    return index;
                }

                State = BarrierState.ActionPending;
                if (action is not null)
                {
                    return RunAction(action, generation, index);
                }

                Cell.NotifyAll(); // a waiting party with an action runs it
            }

            while (true)
            {
                if (Generation != generation)
                {
                    return WasReset(generation) ? throw Broken("The barrier was reset while this party waited.") : index;
                }

                switch (State)
                {
                    case BarrierState.Broken:
                        Leave();
                        ThrowIfBroken();
                        break;
                    case BarrierState.ActionPending when Claimer == 0 && action is not null:
                        Claimer = Environment.ProcessId;
                        return RunAction(action, generation, index);
                    case BarrierState.ActionPending when Claimer != 0 && !Liveness.IsAlive(Claimer):
                        Break(BrokenReason.ActionRunnerDied, Claimer);
                        continue;
                }

                // While another process runs the action, only its death ends the wait (in Python nobody can time out
                // then either: the action runs holding the barrier's lock).
                bool actionRunning = State == BarrierState.ActionPending && Claimer != 0;
                Deadline slice = actionRunning ? Deadline.After(ActionCheckInterval) : deadline.NoLaterThan(ActionCheckInterval);
                if (!Cell.Wait(slice) && !actionRunning && deadline.HasPassed && Generation == generation && State != BarrierState.Broken)
                {
                    Break(BrokenReason.TimedOut, Environment.ProcessId);
                    Leave();
                    throw new BrokenBarrierException(
                        $"This party waited {timeout} at the barrier and not all {Parties} parties arrived: the barrier is now broken for all of them.",
                        new TimeoutException($"The barrier wait timed out after {timeout}."));
                }
            }
        }
        finally
        {
            Cell.Unlock();
        }
    }

    /// <summary>Breaks the barrier (Python's <c>abort()</c>): every waiting party, and every later wait, throws <see cref="BrokenBarrierException"/> until <see cref="Reset"/>.</summary>
    public void Abort()
    {
        Cell.Lock();
        try
        {
            if (State != BarrierState.Broken)
            {
                Break(BrokenReason.Aborted, Environment.ProcessId);
            }
        }
        finally
        {
            Cell.Unlock();
        }
    }

    /// <summary>Returns the barrier to its empty, unbroken state (Python's <c>reset()</c>); parties waiting now throw <see cref="BrokenBarrierException"/>.</summary>
    public void Reset()
    {
        Cell.Lock();
        try
        {
            EndPhase(reset: true);
        }
        finally
        {
            Cell.Unlock();
        }
    }

    /// <summary>Runs the action outside the lock (held on entry and on return), then ends the phase.</summary>
    private int RunAction(Action action, long generation, int index)
    {
        Claimer = Environment.ProcessId;
        Cell.Unlock();
        try
        {
            action();
        }
        catch
        {
            Cell.Lock();
            if (Generation == generation && State != BarrierState.Broken)
            {
                Break(BrokenReason.ActionFailed, Environment.ProcessId);
            }

            Leave();
            throw;
        }

        Cell.Lock();
        if (Generation != generation)
        {
            throw Broken("The barrier was reset while this party ran its action.");
        }

        if (State == BarrierState.Broken)
        {
            Leave();
            ThrowIfBroken();
        }

        EndPhase();
        return index;
    }

    /// <summary>
    /// Ends the phase (lock held), and the barrier is empty and unbroken for the next: its parties go on, or with
    /// <paramref name="reset"/> throw. Which of the two ended a phase is kept for its last 64 phases, for parties
    /// that wake late.
    /// </summary>
    private void EndPhase(bool reset = false)
    {
        ulong bit = 1UL << (int)(Generation % 64);
        ResetBits = reset ? ResetBits | bit : ResetBits & ~bit;
        Generation++;
        Count = 0;
        Candidates = 0;
        Claimer = 0;
        State = BarrierState.Filling;
        *(int*)(Data + BrokenReasonOffset) = (int)BrokenReason.None;
        Cell.NotifyAll();
    }

    /// <summary>Breaks the barrier (lock held) and wakes every party.</summary>
    private void Break(BrokenReason reason, int byPid)
    {
        State = BarrierState.Broken;
        *(int*)(Data + BrokenReasonOffset) = (int)reason;
        *(int*)(Data + BrokenByOffset) = byPid;
        Cell.NotifyAll();
    }

    /// <summary>This party leaves a broken phase without passing (lock held).</summary>
    private void Leave()
    {
        if (Count > 0)
        {
            Count--;
        }
    }

    private bool WasReset(long generation) => (ResetBits & (1UL << (int)(generation % 64))) != 0;

    private void ThrowIfBroken()
    {
        if (State != BarrierState.Broken)
        {
            return;
        }

        int by = *(int*)(Data + BrokenByOffset);
        string why = (BrokenReason)(*(int*)(Data + BrokenReasonOffset)) switch
        {
            BrokenReason.TimedOut => $"a party's wait timed out (in process {by})",
            BrokenReason.Aborted => $"Abort() was called (in process {by})",
            BrokenReason.ActionFailed => $"its action threw (in process {by})",
            BrokenReason.ActionRunnerDied => $"process {by} died while running its action",
            _ => "it was broken",
        };
        throw Broken($"The barrier is broken: {why}. Call Reset() to use it again.");
    }

    private static BrokenBarrierException Broken(string message) => new(message);

    static ProcessBarrier ISharedObject<ProcessBarrier>.Open(SharedSegment memory) => new(memory);

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<ProcessBarrier>.Register();
}
