using ParallelGen;

namespace ParallelGen.Orleans.TestNode;

/// <summary>The tasks the cluster tests run on their nodes.</summary>
public static class ClusterTasks
{
    private static string? s_setup;

    [ProcessTask]
    public static int Square(int x) => x * x;

    [ProcessTask]
    public static long Add(int a, long b) => a + b;

    /// <summary>Squares <paramref name="x"/> and says where it ran: the node's name and the worker process.</summary>
    [ProcessTask]
    public static Placement Where(int x) => new(x * x, ParallelGenNode.CurrentName ?? "", Environment.ProcessId);

    /// <summary>Squares <paramref name="x"/> slowly: a Map of these is still running when a test kills a node.</summary>
    [ProcessTask]
    public static Placement SlowWhere(int x)
    {
        Thread.Sleep(40);
        return Where(x);
    }

    /// <summary>Waits until the file <paramref name="gate"/> exists (a test opens the gate), then says where it ran.</summary>
    [ProcessTask]
    public static Placement WhereWhenOpen(string gate, int x)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(gate) && DateTime.UtcNow < giveUp)
        {
            Thread.Sleep(10);
        }

        return Where(x);
    }

    /// <summary><see cref="WhereWhenOpen"/> with one argument, for the lazy call shapes.</summary>
    [ProcessTask]
    public static Placement PassGate((string Gate, int X) item) => WhereWhenOpen(item.Gate, item.X);

    /// <summary>The same, retried twice after a crash.</summary>
    [ProcessTask(MaxRetries = 2)]
    public static Placement RetriedSlowWhere(int x) => SlowWhere(x);

    /// <summary>Waits <paramref name="milliseconds"/>; if cancelled first, writes <paramref name="marker"/> and gives up.</summary>
    [ProcessTask]
    public static async Task<int> WaitOrNoteCancel(string marker, int milliseconds, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
            return milliseconds;
        }
        catch (OperationCanceledException)
        {
            File.WriteAllText(marker, "cancelled");
            throw;
        }
    }

    [ProcessTask]
    public static int Sleep(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    [ProcessTask]
    public static int Fail(string message) => throw new InvalidOperationException(message);

    /// <summary>Kills its worker process.</summary>
    [ProcessTask]
    public static int CrashWorker(int code)
    {
        Environment.Exit(code);
        return code;
    }

    [ProcessTask]
    public static byte[] Echo(byte[] data) => data;

    [ProcessTask]
    public static byte[] Allocate(int length) => new byte[length];

    /// <summary>Spins for <paramref name="microseconds"/>: CPU-bound work for the benchmarks.</summary>
    [ProcessTask]
    public static long Burn(int microseconds)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + (microseconds * System.Diagnostics.Stopwatch.Frequency / 1_000_000);
        long spins = 0;
        while (System.Diagnostics.Stopwatch.GetTimestamp() < end)
        {
            spins++;
        }

        return spins;
    }

    [ProcessTask]
    public static void Setup(string value) => s_setup = value;

    [ProcessTask]
    public static string ReadSetup(int unused) => s_setup ?? "";

#if OTHER_BUILD
    /// <summary>Only in the other build: a node built from this code is not the coordinator's build.</summary>
    [ProcessTask]
    public static int OnlyInTheOtherBuild(int x) => x;
#endif
}
