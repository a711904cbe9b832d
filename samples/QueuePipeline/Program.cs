using System.Diagnostics;
using ParallelGen;
using QueuePipeline;

// producer process --work queue--> pool workers (squaring) --results queue--> this process
const int Count = 20_000;
const int Consumers = 2;

Stopwatch watch = Stopwatch.StartNew();
using ProcessQueue<long> work = new(maxSize: 256);
using ProcessQueue<long> results = new();
using SharedValue<int> processed = new(0);
await using ProcessPool pool = new(Consumers);

WorkerProcess producer = WorkerProcess.Start(Stages.Produce, work, Count, Consumers, options: new WorkerProcessOptions { Name = "producer" });
AsyncResult<int>[] consumers = [.. Enumerable.Range(0, Consumers).Select(_ => pool.ApplyAsync(Stages.Square, work, results, processed))];

long sum = 0;
for (int i = 0; i < Count; i++)
{
    sum += results.Get(TimeSpan.FromSeconds(30));
    if (i % 5000 == 4999)
    {
        Console.WriteLine($"{i + 1,6} results received; the shared counter says {processed.Value} processed");
    }
}

producer.Join();
int[] shares = [.. consumers.Select(c => c.Get())];
long expected = Enumerable.Range(1, Count).Sum(n => (long)n * n);
Console.WriteLine($"sum of squares 1..{Count}: {sum} ({(sum == expected ? "correct" : $"WRONG, expected {expected}")})");
Console.WriteLine($"producer {producer.Name} (pid {producer.Pid}) exited with {producer.ExitCode}; consumers did {string.Join(" + ", shares)} items; {watch.ElapsedMilliseconds} ms");
return sum == expected && shares.Sum() == Count ? 0 : 1;
