namespace ParallelGen.Extensions.Hosting.Tests;

/// <summary>The tasks the hosted pools run.</summary>
public static class HostingWork
{
    [ProcessTask]
    public static int Pid(int _) => Environment.ProcessId;

    [ProcessTask]
    public static int SleepThenSquare(int x, int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return x * x;
    }

    [ProcessTask]
    public static int Crash(int code)
    {
        Environment.Exit(code);
        return 0;
    }

    [ProcessTask]
    public static void FailToStart() => throw new InvalidOperationException("no configuration in this worker");
}
