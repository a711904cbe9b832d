using ParallelGen;

namespace QueuePipeline;

/// <summary>The stages of the pipeline; each runs in a process of its own.</summary>
public static class Stages
{
    /// <summary>Produces the numbers 1..count, then one stop marker per consumer.</summary>
    [ProcessTask]
    public static void Produce(ProcessQueue<long> work, int count, int consumers)
    {
        for (long n = 1; n <= count; n++)
        {
            work.Put(n);
        }

        for (int i = 0; i < consumers; i++)
        {
            work.Put(-1);
        }
    }

    /// <summary>Takes numbers until the stop marker, sends their squares on, and counts what it did.</summary>
    [ProcessTask]
    public static int Square(ProcessQueue<long> work, ProcessQueue<long> results, SharedValue<int> processed)
    {
        int mine = 0;
        for (long n = work.Get(); n != -1; n = work.Get())
        {
            results.Put(n * n);
            Interlocked.Increment(ref processed.Target);
            mine++;
        }

        return mine;
    }
}
