using System.Diagnostics;
using MemoryPack;

namespace ParallelGen.IntegrationTests;

/// <summary>The classic multiprocessing tutorial programs' child functions, as [ProcessTask] methods.</summary>
public static class IpcWork
{
    private static readonly List<int> s_list = [];

    [ProcessTask]
    public static void Ticker(ProcessQueue<string> log)
    {
        while (true)
        {
            log.Put("child");
            Thread.Sleep(20);
        }
    }

    [ProcessTask]
    public static void ReportPids(ProcessQueue<int[]> pids)
    {
        string stat = File.ReadAllText("/proc/self/stat");
        int parent = int.Parse(stat[(stat.LastIndexOf(')') + 4)..].Split(' ')[0]);
        pids.Put([Environment.ProcessId, parent]);
    }

    [ProcessTask]
    public static void Greet(string name, int times, Greeting style, ProcessQueue<string> replies)
    {
        string text = string.Join(" ", Enumerable.Repeat($"hello {name}{style.Punctuation}", times));
        replies.Put(style.Upper ? text.ToUpperInvariant() : text);
    }

    [ProcessTask]
    public static void AppendToStaticList(int value, ProcessQueue<int> counts)
    {
        s_list.Add(value);
        counts.Put(s_list.Count);
    }

    public static int StaticListCount => s_list.Count;

    [ProcessTask]
    public static void Produce(ProcessQueue<int> queue, int count)
    {
        for (int i = 0; i < count; i++)
        {
            queue.Put(i);
        }

        queue.Put(-1);
    }

    [ProcessTask]
    public static long Consume(ProcessQueue<int> queue, ProcessQueue<long> result)
    {
        long sum = 0;
        for (int item = queue.Get(TimeSpan.FromSeconds(30)); item != -1; item = queue.Get(TimeSpan.FromSeconds(30)))
        {
            sum += item;
        }

        result.Put(sum);
        return sum;
    }

    /// <summary>Puts <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> - 1.</summary>
    [ProcessTask]
    public static void ProduceRange(ProcessQueue<int> queue, int first, int count)
    {
        for (int i = first; i < first + count; i++)
        {
            queue.Put(i, TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Takes items until it gets -1, counting each in <paramref name="seen"/>.</summary>
    [ProcessTask]
    public static void ConsumeInto(ProcessQueue<int> queue, SharedArray<int> seen)
    {
        for (int item = queue.Get(TimeSpan.FromSeconds(30)); item != -1; item = queue.Get(TimeSpan.FromSeconds(30)))
        {
            // Items are distinct, so no two consumers ever touch the same element.
            seen[item]++;
        }
    }

    [ProcessTask]
    public static long CopyFile(string source, string destination, ProcessQueue<long> progress)
    {
        File.Copy(source, destination, overwrite: true);
        long size = new FileInfo(destination).Length;
        progress.Put(size);
        return size;
    }

    [ProcessTask]
    public static void Increment(SharedValue<int> counter, ProcessBarrier start, int times)
    {
        // All count at the same time, so that without the lock increments would be lost.
        start.SignalAndWait(TimeSpan.FromSeconds(30));

        for (int i = 0; i < times; i++)
        {
            using (counter.Lock!.EnterScope())
            {
                // A wide read-modify-write window: the lock, not luck, keeps the count exact.
                int seen = counter.Value;
                Thread.SpinWait(20);
                counter.Value = seen + 1;
            }
        }
    }

    [ProcessTask]
    public static void WaitForEvent(ProcessEvent signal, ProcessQueue<string> log)
    {
        log.Put("waiting");
        signal.Wait();
        log.Put("released");
    }

    [ProcessTask]
    public static void MeetAtBarrier(ProcessBarrier barrier, ProcessQueue<long> times)
    {
        Thread.Sleep(Random.Shared.Next(10, 200));
        times.Put(Stopwatch.GetTimestamp());
        barrier.SignalAndWait(TimeSpan.FromSeconds(20));
        times.Put(-Stopwatch.GetTimestamp());
    }

    [ProcessTask]
    public static int Fill(SharedArray<float> array, float value)
    {
        array.AsSpan().Fill(value);
        return array.Length;
    }

    [ProcessTask]
    public static void EchoUpper(PipeConnection<string> connection)
    {
        try
        {
            while (true)
            {
                connection.Send(connection.Receive().ToUpperInvariant());
            }
        }
        catch (EndOfStreamException)
        {
            connection.Close();
        }
    }

    [ProcessTask]
    public static void HoldLockAndDie(ProcessLock sharedLock)
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
    public static int RecordInManager(ManagedDictionary<string, int> seen, ManagedList<string> log, int item)
    {
        seen[$"item{item}"] = Environment.ProcessId;
        log.Add($"item{item}");
        return item;
    }

    [ProcessTask]
    public static void WorkThrough(JoinableProcessQueue<int> queue, ProcessQueue<int> done)
    {
        while (queue.TryGet(out int item, TimeSpan.FromSeconds(2)))
        {
            done.Put(item * 10);
            queue.TaskDone();
        }
    }
}

/// <summary>Named options for <see cref="IpcWork.Greet"/>: C# has no **kwargs; a record gives named fields.</summary>
[MemoryPackable]
public sealed partial record Greeting(string Punctuation, bool Upper);
