using System.Diagnostics;

namespace ParallelGen.WindowsTests;

/// <summary>The tasks the tests run in worker processes.</summary>
public static class Work
{
    [ProcessTask]
    public static int Square(int x) => x * x;

    [ProcessTask]
    public static long Add(int a, long b) => a + b;

    [ProcessTask]
    public static int PidOf(int _) => Environment.ProcessId;

    [ProcessTask]
    public static int Fail(int x) => x == 13 ? throw new InvalidOperationException($"unlucky {x}") : x;

    [ProcessTask]
    public static int SleepFor(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    [ProcessTask]
    public static async Task Pause(int milliseconds) => await Task.Delay(milliseconds);

    /// <summary>Never returns: the task timeout must end it.</summary>
    [ProcessTask]
    public static int Hang(int _)
    {
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    [ProcessTask]
    public static void ExitWith(int code) => Environment.Exit(code);

    /// <summary>
    /// Writes to an address no process maps: the runtime cannot turn that into an exception, so the worker dies of an
    /// access violation (STATUS_ACCESS_VIOLATION, 0xC0000005, on Windows; SIGSEGV on Linux).
    /// </summary>
    [ProcessTask]
    public static unsafe int Crash(int _)
    {
        *(int*)unchecked((nint)0x7FFF_FFFF_0000) = 1;
        return 0;
    }

    /// <summary>Waits for its token; when it fires, writes its pid to <paramref name="marker"/> and gives up.</summary>
    [ProcessTask]
    public static async Task<int> WaitForCancellation(string marker, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(marker + ".started", "", CancellationToken.None);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            File.WriteAllText(marker + ".tmp", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Move(marker + ".tmp", marker);
            throw;
        }

        return -1;
    }

    /// <summary>Returns the array with every byte incremented: a large frame each way.</summary>
    [ProcessTask]
    public static byte[] Increment(byte[] data)
    {
        byte[] result = new byte[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            result[i] = (byte)(data[i] + 1);
        }

        return result;
    }

    [ProcessTask]
    public static long Sum(byte[] data)
    {
        long sum = 0;
        foreach (byte b in data)
        {
            sum += b;
        }

        return sum;
    }

    /// <summary>Whether <paramref name="handle"/> (a value from the parent) names an open handle in this worker (Windows).</summary>
    [ProcessTask]
    public static bool HandleIsOpen(long handle) => Win32.IsOpenHandle((nint)handle);

    /// <summary>Starts this test executable in its <c>sleep</c> role, a process of the worker's own, and returns its pid.</summary>
    [ProcessTask]
    public static int StartSleeper(int _)
    {
        using Process sleeper = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, Program.Sleep) { UseShellExecute = false })!;
        return sleeper.Id;
    }
}
