using MemoryPack;

namespace ParallelGen.IntegrationTests;

/// <summary>Tasks for the scheduling, streaming, reuse and fault tests: each says what it lets a test observe.</summary>
public static class SchedulingWork
{
    /// <summary>Counts its runs of <paramref name="item"/> in shared memory, then spins like <see cref="Work.Spin"/>: duplicates are visible.</summary>
    [ProcessTask(MaxRetries = 3)]
    public static int CountedSpin(SharedArray<int> runs, int item)
    {
        Interlocked.Increment(ref runs[item]);
        return Work.Spin(item);
    }

    /// <summary>Sleeps, then kills its own worker with SIGKILL.</summary>
    [ProcessTask]
    public static int SleepThenCrash(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        return milliseconds;
    }

    private static int _runs;

    /// <summary>
    /// The worker's pid and how many calls this worker had run, this one included: which worker answered, and in
    /// what order it finished its calls (a worker runs one call at a time and answers in that order).
    /// </summary>
    [ProcessTask]
    public static (int Pid, int Run) PidAndRun(int call)
    {
        _ = call; // the call's number only tells the calls apart
        return (Environment.ProcessId, Interlocked.Increment(ref _runs));
    }

    /// <summary>Sleeps (forever for -1: <c>Thread.Sleep(Timeout.Infinite)</c>) and returns the argument.</summary>
    [ProcessTask]
    public static int Nap(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    /// <summary>Sleeps for tenths of a second, then returns the square: the skewed workload of the comparison.</summary>
    [ProcessTask]
    public static int SleepSquare(int tenths)
    {
        Thread.Sleep(tenths * 100);
        return tenths * tenths;
    }

    [ProcessTask]
    public static string EchoText(string text) => text;

    [ProcessTask]
    public static int CountRecords(List<CountedRecord> records) => records.Count;

    /// <summary>Adds to a static field: what a reused worker remembers from the pool before.</summary>
    public static int Remembered;

    [ProcessTask]
    public static (int Pid, int Total) Remember(int add) => (Environment.ProcessId, Remembered += add);

    /// <summary>Answers the length of the marker path: it runs once a worker has read the argument in full.</summary>
    [ProcessTask]
    public static int MarkerLength(SlowToRead value) => value.Marker.Length;

    /// <summary>Never runs: reading its argument kills the worker.</summary>
    [ProcessTask]
    public static int NeverBegins(KillsItsReader value) => throw new InvalidOperationException($"{value.Marker} was read and survived");
}

/// <summary>
/// An argument whose first reading stalls: the worker reading it records its pid in <see cref="Marker"/>, then sleeps
/// 30 s, inside MemoryPack, before the task begins. Later readings (the marker exists) go straight through.
/// </summary>
[MemoryPackable]
public sealed partial class SlowToRead
{
    public string Marker { get; set; } = "";

    [MemoryPackOnDeserialized]
    private void Stall()
    {
        if (!File.Exists(Marker))
        {
            File.WriteAllText(Marker + ".tmp", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Move(Marker + ".tmp", Marker);
            Thread.Sleep(TimeSpan.FromSeconds(30));
        }
    }
}

/// <summary>An argument whose reading kills the worker (SIGKILL) after appending its pid to <see cref="Marker"/>.</summary>
[MemoryPackable]
public sealed partial class KillsItsReader
{
    public string Marker { get; set; } = "";

    [MemoryPackOnDeserialized]
    private void Kill()
    {
        File.AppendAllText(Marker, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        System.Diagnostics.Process.GetCurrentProcess().Kill();
    }
}

/// <summary>A record that counts how many of its kind the parent has serialized: how far an argument got before it was refused.</summary>
[MemoryPackable]
public sealed partial class CountedRecord
{
    public static int Serialized;

    public string Text { get; set; } = new('x', 100);

    [MemoryPackOnSerializing]
    private void Count() => Interlocked.Increment(ref Serialized);
}
