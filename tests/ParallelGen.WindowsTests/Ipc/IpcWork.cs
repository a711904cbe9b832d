namespace ParallelGen.WindowsTests.Ipc;

/// <summary>What the child processes of the IPC tests do, as [ProcessTask] methods.</summary>
public static class IpcWork
{
    [ProcessTask]
    public static void HoldLockAndExit(ProcessLock sharedLock)
    {
        sharedLock.Enter();
        Environment.Exit(3);
    }

    /// <summary>Takes both locks (the re-entrant one twice), says so, and waits to be killed.</summary>
    [ProcessTask]
    public static void HoldLocksUntilKilled(ProcessLock plain, ProcessRLock reentrant, ProcessEvent holding)
    {
        plain.Enter();
        reentrant.Enter();
        reentrant.Enter();
        holding.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    [ProcessTask]
    public static void HoldLockFor(ProcessLock sharedLock, ProcessEvent holding, int milliseconds)
    {
        sharedLock.Enter();
        holding.Set();
        Thread.Sleep(milliseconds);
        sharedLock.Exit();
    }

    [ProcessTask]
    public static void Increment(SharedValue<int> counter, int times)
    {
        for (int i = 0; i < times; i++)
        {
            using (counter.Lock!.EnterScope())
            {
                counter.Value++;
            }
        }
    }

    /// <summary>Passes the semaphore 20 times, recording the most holders at once.</summary>
    [ProcessTask]
    public static void PassSemaphore(ProcessSemaphore semaphore, SharedArray<int> insideAndMost)
    {
        for (int i = 0; i < 20; i++)
        {
            semaphore.Wait();
            using (insideAndMost.Lock!.EnterScope())
            {
                insideAndMost[1] = Math.Max(insideAndMost[1], ++insideAndMost[0]);
            }

            Thread.Sleep(2);
            using (insideAndMost.Lock!.EnterScope())
            {
                insideAndMost[0]--;
            }

            semaphore.Release();
        }
    }

    [ProcessTask]
    public static void WaitForEvent(ProcessEvent set, ProcessQueue<string> replies) =>
        replies.Put(set.Wait(TimeSpan.FromSeconds(60)) ? "woken" : "timed out");

    [ProcessTask]
    public static void WaitForValue(ProcessCondition condition, SharedValue<int> value, int wanted, ProcessQueue<string> replies)
    {
        condition.Enter();
        replies.Put("waiting");
        bool seen = condition.WaitFor(() => value.Value == wanted, TimeSpan.FromSeconds(60));
        condition.Exit();
        replies.Put(seen ? $"saw {wanted}" : "timed out");
    }

    /// <summary>Says it waits (holding the lock, so the notifier knows it is in <c>Wait</c> once it gets the lock), then waits once.</summary>
    [ProcessTask]
    public static void WaitForNotification(ProcessCondition condition, ProcessQueue<string> replies)
    {
        condition.Enter();
        replies.Put("waiting");
        bool notified = condition.Wait(TimeSpan.FromSeconds(60));
        condition.Exit();
        replies.Put(notified ? "woken" : "timed out");
    }

    [ProcessTask]
    public static void MeetAtBarrier(ProcessBarrier barrier, ProcessQueue<int> indices) => indices.Put(barrier.SignalAndWait(TimeSpan.FromSeconds(60)));

    [ProcessTask]
    public static void Produce(ProcessQueue<int> queue, int start, int count)
    {
        for (int i = 0; i < count; i++)
        {
            queue.Put(start + i);
        }
    }

    /// <summary>Takes items until -1 and sends back what it took.</summary>
    [ProcessTask]
    public static void Consume(ProcessQueue<int> queue, ProcessQueue<int[]> taken)
    {
        List<int> items = [];
        for (int item = queue.Get(TimeSpan.FromSeconds(60)); item != -1; item = queue.Get(TimeSpan.FromSeconds(60)))
        {
            items.Add(item);
        }

        taken.Put([.. items]);
    }

    /// <summary>Puts an item larger than the queue's ring (it goes into a segment of its own) and exits at once.</summary>
    [ProcessTask]
    public static void PutLargeAndExit(ProcessQueue<byte[]> queue, int length)
    {
        queue.Put(Pattern(length));
    }

    [ProcessTask]
    public static void TakeAllAndMarkDone(JoinableProcessQueue<int> queue, int count)
    {
        for (int i = 0; i < count; i++)
        {
            queue.Get(TimeSpan.FromSeconds(60));
            Thread.Sleep(5);
            queue.TaskDone();
        }
    }

    /// <summary>Answers each message in upper case until the other end is closed.</summary>
    [ProcessTask]
    public static void Echo(PipeConnection<string> end)
    {
        while (true)
        {
            string message;
            try
            {
                message = end.Receive(TimeSpan.FromSeconds(60));
            }
            catch (EndOfStreamException)
            {
                return;
            }

            end.Send(message.ToUpperInvariant());
        }
    }

    [ProcessTask]
    public static void SayReadyAndWait(PipeConnection<string> end)
    {
        end.Send("ready");
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Checks the array holds 0, 1, 2, … (exit code 5 if not) and writes -1 into its first element.</summary>
    [ProcessTask]
    public static void CheckAndMark(SharedArray<long> array)
    {
        Span<long> span = array.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i] != i)
            {
                Environment.Exit(5);
            }
        }

        span[0] = -1;
    }

    [ProcessTask]
    public static void RecordInManager(ManagedDictionary<string, int> squares, ManagedList<int> seen, int item)
    {
        squares[$"k{item}"] = item * item;
        seen.Add(item);
    }

    /// <summary>
    /// Moves a 1 MiB frame into shared memory as a worker does with a large result (the segment kept for
    /// <paramref name="receiverPid"/>), hands over the small frame naming it, and exits without cleaning up.
    /// </summary>
    [ProcessTask]
    public static void SendLargeFrameAndExit(int receiverPid, ProcessQueue<byte[]> naming)
    {
        Transport.SharedFrameSender sender = new(receiverPid);
        using Transport.FrameBuffer buffer = new(2 << 20);
        int start = buffer.BeginFrame(7);
        buffer.Write(Pattern(1 << 20));
        buffer.EndFrame(start);
        if (!sender.TryDivert(buffer, start))
        {
            Environment.Exit(6);
        }

        naming.Put(buffer.WrittenSpan[Transport.FrameBuffer.HeaderSize..].ToArray());
    }

    /// <summary>A large result: sent through shared memory, just before a worker limited to one task exits.</summary>
    [ProcessTask]
    public static byte[] LargeResult(int length) => Pattern(length);

    public static byte[] Pattern(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }
}
