using ParallelGen;

namespace ParallelGen.TestHost;

/// <summary>The tasks the host runs in its workers.</summary>
public static class HostTasks
{
    [ProcessTask]
    public static int Pid() => Environment.ProcessId;

    [ProcessTask]
    public static int Square(int x) => x * x;

    /// <summary>Starts <c>sleep</c> for <paramref name="seconds"/> and returns its pid, leaving it running.</summary>
    [ProcessTask]
    public static int StartSleeper(int seconds)
    {
        using System.Diagnostics.Process sleeper = System.Diagnostics.Process.Start("sleep", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return sleeper.Id;
    }

    /// <summary>Reads a line from the worker's stdin: "&lt;eof&gt;" at its end.</summary>
    [ProcessTask]
    public static string ReadLine() => Console.In.ReadLine() ?? "<eof>";

    [ProcessTask]
    public static int Identity(int x) => x;

    /// <summary>Sleeps for tenths of a second and returns the square: the comparison's skewed workload.</summary>
    [ProcessTask]
    public static int SleepSquare(int tenths)
    {
        Thread.Sleep(tenths * 100);
        return tenths * tenths;
    }

    /// <summary>About 200 µs of work.</summary>
    [ProcessTask]
    public static int Spin(int value)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 5000;
        while (System.Diagnostics.Stopwatch.GetTimestamp() < end)
        {
        }

        return value;
    }

    /// <summary>Sleeps (for ever for -1).</summary>
    [ProcessTask]
    public static int Nap(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    /// <summary>Busy in a long task, so that only the parent-death guards can end the worker.</summary>
    [ProcessTask]
    public static int BusyForever(int _)
    {
        while (true)
        {
            Thread.SpinWait(1000);
        }
    }

    /// <summary>Writes about <paramref name="megabytes"/> MB to each of stdout and stderr.</summary>
    [ProcessTask]
    public static long Chatter(int megabytes)
    {
        string line = new('x', 1023);
        long written = 0;
        for (int i = 0; i < megabytes * 1024; i++)
        {
            Console.Out.WriteLine(line);
            Console.Error.WriteLine(line);
            written += 2048;
        }

        Console.Out.Flush();
        Console.Error.Flush();
        return written;
    }

    /// <summary>Allocates a little and keeps it, like a slightly leaky task.</summary>
    [ProcessTask]
    public static int Leaky(int value)
    {
        s_kept.Add(new byte[1024]);
        return value;
    }

    [ProcessTask]
    public static string Describe(string name, int age, Mood mood) => $"{name}:{age}:{mood}";

    [ProcessTask]
    public static Dictionary<string, int> CountWords(List<string> words) =>
        words.GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());

    [ProcessTask]
    public static int Report(ProcessQueue<string> log, SharedArray<float> data, float value)
    {
        data.AsSpan().Fill(value);
        log.Put($"filled {data.Length}");
        return data.Length;
    }

    /// <summary>Sleeps, then writes <paramref name="text"/> to <paramref name="path"/>: proof that the process ran to its end.</summary>
    [ProcessTask]
    public static void SleepThenWrite(int milliseconds, string path, string text)
    {
        Thread.Sleep(milliseconds);
        File.WriteAllText(path, text);
    }

    private static readonly List<byte[]> s_kept = [];
}

/// <summary>An enum argument, to check enum formatters under Native AOT.</summary>
public enum Mood
{
    Calm,
    Busy,
}
