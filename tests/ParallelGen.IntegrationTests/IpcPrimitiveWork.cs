namespace ParallelGen.IntegrationTests;

/// <summary>Child functions for the synchronisation-primitive tests, as [ProcessTask] methods.</summary>
public static class IpcPrimitiveWork
{
    [ProcessTask]
    public static void SleepForever() => Thread.Sleep(Timeout.Infinite);

    [ProcessTask]
    public static void Fail(string message) => throw new InvalidOperationException(message);

    /// <summary>Takes the lock, says so, and keeps it until <paramref name="release"/> is set.</summary>
    [ProcessTask]
    public static void HoldLockUntil(ProcessLock sharedLock, ProcessEvent held, ProcessEvent release)
    {
        sharedLock.Enter();
        held.Set();
        release.Wait(TimeSpan.FromSeconds(30));
        sharedLock.Exit();
    }

    /// <summary>Reports whether it could take the re-entrant lock within <paramref name="milliseconds"/>.</summary>
    [ProcessTask]
    public static void TryRLock(ProcessRLock sharedLock, int milliseconds, ProcessQueue<bool> taken)
    {
        bool got = sharedLock.TryEnter(TimeSpan.FromMilliseconds(milliseconds));
        taken.Put(got);
        if (got)
        {
            sharedLock.Exit();
        }
    }

    /// <summary>Enters the semaphore, counts how many are inside at once, and leaves after a moment.</summary>
    [ProcessTask]
    public static void EnterSemaphore(ProcessSemaphore semaphore, SharedValue<int> inside, SharedValue<int> mostInside)
    {
        semaphore.Wait();
        try
        {
            int now = Interlocked.Increment(ref inside.Target);
            using (mostInside.Lock!.EnterScope())
            {
                mostInside.Value = Math.Max(mostInside.Value, now);
            }

            Thread.Sleep(100);
            Interlocked.Decrement(ref inside.Target);
        }
        finally
        {
            semaphore.Release();
        }
    }

    /// <summary>Waits on the condition until the shared state is non-zero, then reports it.</summary>
    [ProcessTask]
    public static void WaitForState(ProcessCondition condition, SharedValue<int> state, ProcessQueue<int> log)
    {
        condition.Enter();
        try
        {
            log.Put(0);
            while (state.Value == 0)
            {
                condition.Wait(TimeSpan.FromSeconds(20));
            }

            log.Put(state.Value);
        }
        finally
        {
            condition.Exit();
        }
    }

    /// <summary>Moves <paramref name="count"/> items from one queue to another.</summary>
    [ProcessTask]
    public static void Relay(ProcessQueue<int> from, ProcessQueue<int> to, int count)
    {
        for (int i = 0; i < count; i++)
        {
            to.Put(from.Get(TimeSpan.FromSeconds(30)));
        }
    }

    [ProcessTask]
    public static void PutOne(ProcessQueue<int> queue, int item) => queue.Put(item);

    /// <summary>Meets the parent at the barrier and returns its arrival index.</summary>
    [ProcessTask]
    public static int MeetAtBarrier(ProcessBarrier barrier) => barrier.SignalAndWait(TimeSpan.FromSeconds(20));

    /// <summary>Answers every request with the same item until it gets -1.</summary>
    [ProcessTask]
    public static void EchoItems(ProcessQueue<int> requests, ProcessQueue<int> replies)
    {
        for (int item = requests.Get(TimeSpan.FromSeconds(30)); item != -1; item = requests.Get(TimeSpan.FromSeconds(30)))
        {
            replies.Put(item);
        }
    }

    /// <summary>Takes and releases the lock <paramref name="times"/> times.</summary>
    [ProcessTask]
    public static void EnterAndExit(ProcessLock sharedLock, int times)
    {
        for (int i = 0; i < times; i++)
        {
            sharedLock.Enter();
            sharedLock.Exit();
        }
    }

    /// <summary>Puts <paramref name="size"/> pseudo-random bytes (from <paramref name="seed"/>) and returns at once.</summary>
    [ProcessTask]
    public static void PutLarge(ProcessQueue<byte[]> queue, int size, int seed)
    {
        byte[] data = new byte[size];
        new Random(seed).NextBytes(data);
        queue.Put(data);
    }

    /// <summary>Creates (and disposes) a shared object: in a fresh process, that first creation sweeps stale segments.</summary>
    [ProcessTask]
    public static void CreateSharedObject()
    {
        using SharedValue<int> value = new(1);
    }
}
