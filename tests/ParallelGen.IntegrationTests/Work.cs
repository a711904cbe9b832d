using MemoryPack;

namespace ParallelGen.IntegrationTests;

/// <summary>Tasks as a user writes them: static methods marked [ProcessTask], run in worker processes.</summary>
public static class Work
{
    /// <summary>Mutated by <see cref="IncrementCounter"/> in workers; the parent's copy must never change.</summary>
    public static int Counter;

    [ProcessTask]
    public static int Square(int x) => x * x;

    [ProcessTask]
    public static long Add(int a, long b) => a + b;

    [ProcessTask]
    public static int WorkerPid() => Environment.ProcessId;

    [ProcessTask]
    public static int PidOf(int _) => Environment.ProcessId;

    /// <summary>The worker's pid, for a call shape with two arguments (Starmap).</summary>
    [ProcessTask]
    public static int PidOfPair(int a, long b) => Environment.ProcessId;

    [ProcessTask]
    public static int IncrementCounter(int by) => Counter += by;

    [ProcessTask]
    public static int Fail(int x) => x == 13 ? throw new InvalidOperationException($"unlucky {x}") : x;

    [ProcessTask]
    public static int KillSelf(int signal)
    {
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        return signal;
    }

    [ProcessTask]
    public static void ExitWith(int code) => Environment.Exit(code);

    [ProcessTask]
    public static async Task<string> ShoutAsync(string text, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        return text.ToUpperInvariant() + "!";
    }

    [ProcessTask]
    public static async Task Pause(int milliseconds) => await Task.Delay(milliseconds);

    /// <summary>
    /// Creates <paramref name="marker"/>.started, then waits up to 30 s for its token; when the token fires, writes
    /// its pid to <paramref name="marker"/>: proof that the cancellation reached the task in its worker.
    /// </summary>
    [ProcessTask]
    public static async Task<int> WaitForCancellation(string marker, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(marker + ".started", "", CancellationToken.None);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Written whole, then renamed, so that the test never reads a file that exists but is still empty.
            File.WriteAllText(marker + ".tmp", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Move(marker + ".tmp", marker);
            throw;
        }

        return -1;
    }

    [ProcessTask]
    public static async ValueTask<int> CountLinesAsync(List<string> lines)
    {
        await Task.Yield();
        return lines.Count;
    }

    [ProcessTask]
    public static Point Mirror(Point point) => point with { X = -point.X };

    [ProcessTask]
    public static Dictionary<string, int> CountWords(List<string> words)
    {
        Dictionary<string, int> counts = [];
        foreach (string word in words)
        {
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }

        return counts;
    }

    [ProcessTask]
    public static (int Min, int Max) Range(int[] values) => (values.Min(), values.Max());

    [ProcessTask]
    public static string Describe(string name, int age, double score, bool active) => $"{name}:{age}:{score}:{active}";

    /// <summary>Set by the pool initializer in each worker; never in the parent.</summary>
    public static string? Greeting;

    [ProcessTask]
    public static void SetGreeting(string greeting, int repeat) => Greeting = string.Concat(Enumerable.Repeat(greeting, repeat));

    /// <summary>How often <see cref="CountInitialization"/> ran in this process.</summary>
    public static int Initializations;

    [ProcessTask]
    public static void CountInitialization() => Initializations++;

    /// <summary>The worker's pid and its initializer count; <paramref name="item"/> only lets <c>Map</c> call it once per item.</summary>
    [ProcessTask]
    public static (int Pid, int Initializations) InitializationsHere(int item) => (Environment.ProcessId, Initializations);

    [ProcessTask]
    public static void FailToInitialize() => throw new InvalidOperationException("no database");

    /// <summary>An initializer that holds its worker in start-up until <paramref name="path"/> exists (at most 30 s).</summary>
    [ProcessTask]
    public static void WaitForFile(string path)
    {
        System.Diagnostics.Stopwatch waited = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"{path} did not appear");
            }

            Thread.Sleep(5);
        }
    }

    [ProcessTask]
    public static string Greet(string name) => $"{Greeting ?? "(no initializer)"} {name}";

    /// <summary>About 200 µs of work, then a value the caller can check.</summary>
    [ProcessTask]
    public static int Spin(int value)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 5000;
        while (System.Diagnostics.Stopwatch.GetTimestamp() < end)
        {
        }

        return value * 2;
    }

    /// <summary><see cref="Spin"/>, declared idempotent: re-run on another worker if its worker dies.</summary>
    [ProcessTask(MaxRetries = 20)]
    public static int SpinWithRetries(int value) => Spin(value);

    [ProcessTask]
    public static int Hang(int _)
    {
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    [ProcessTask]
    public static Unreadable MakeUnreadable(int value) => new(value);

    [ProcessTask]
    public static int ReadUnreadable(Unreadable value) => value.Value;

    [ProcessTask]
    public static Unwritable MakeUnwritable(int value) => new(value);

    [ProcessTask]
    public static int? FirstAbove(int?[] values, int? threshold) => values.FirstOrDefault(v => v > threshold);

    [ProcessTask]
    public static int SleepThenPid(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return Environment.ProcessId;
    }

    [ProcessTask]
    public static int SleepFor(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    [ProcessTask]
    public static Color Next(Color color) => (Color)(((int)color + 1) % 3);
}

/// <summary>A user type that crosses the process boundary.</summary>
[MemoryPackable]
public sealed partial record Point(int X, int Y, string Label);

/// <summary>A type that serializes but refuses to be deserialized: a payload that cannot be read on the other side.</summary>
[MemoryPackable]
public sealed partial class Unreadable(int value)
{
    public int Value { get; set; } = value;

    [MemoryPackOnDeserialized]
    private void Refuse() => throw new InvalidDataException($"Unreadable({Value}) cannot be deserialized");
}

/// <summary>A type whose serialization always fails: a task result that cannot be written.</summary>
[MemoryPackable]
public sealed partial class Unwritable(int value)
{
    public int Value { get; set; } = value;

    [MemoryPackOnSerializing]
    private void Refuse() => throw new InvalidOperationException($"Unwritable({Value}) cannot be serialized");
}

/// <summary>An enum that crosses the process boundary.</summary>
public enum Color
{
    Red,
    Green,
    Blue,
}
