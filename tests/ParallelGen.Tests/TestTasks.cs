using System.Diagnostics;
using System.Runtime.CompilerServices;
using ParallelGen.Dispatch;

namespace ParallelGen.Tests;

/// <summary>The methods the runtime tests run in workers: plain static methods, as a user would write them.</summary>
public static class Work
{
    public static int Counter;

    public static int Square(int x) => x * x;

    public static long Add(int a, long b) => a + b;

    public static int Pid(int _) => Environment.ProcessId;

    public static int Fail(int x) => x == 13 ? throw new InvalidOperationException($"unlucky {x}") : x;

    public static int Exit(int code)
    {
        Environment.Exit(code);
        return 0;
    }

    public static int KillSelf(int _)
    {
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        return 0;
    }

    public static int Sleep(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    public static int SleepUntilCancelled(int milliseconds, CancellationToken cancellationToken)
    {
        // Returns -1 when the parent's cancellation arrived in time.
        return cancellationToken.WaitHandle.WaitOne(milliseconds) ? -1 : milliseconds;
    }

    public static int IncrementCounter(int by) => Counter += by;

    /// <summary>What <see cref="RunHook"/> runs: set by a test that runs tasks in its own process (a fake backend).</summary>
    public static Action? Hook;

    public static int RunHook(int value)
    {
        Hook?.Invoke();
        return value;
    }

    public static async Task<string> EchoAsync(string text)
    {
        await Task.Delay(1);
        return text + "!";
    }

    public static byte[] Reverse(byte[] data)
    {
        byte[] copy = (byte[])data.Clone();
        Array.Reverse(copy);
        return copy;
    }

    public static void Nothing(int _)
    {
    }

    /// <summary>Starts <c>sleep 30</c>, writes its pid to <paramref name="pidFile"/>, then kills its own worker.</summary>
    public static int StartChildThenDie(string pidFile)
    {
        using Process child = Process.Start("sleep", "30");
        File.WriteAllText(pidFile, child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Process.GetCurrentProcess().Kill();
        return 0;
    }

    /// <summary>The worker's GC latency mode: <c>Batch</c> when background GC is off.</summary>
    public static int GcLatencyMode(int _) => (int)System.Runtime.GCSettings.LatencyMode;

    /// <summary>A call long enough that the pool keeps only one more queued behind it.</summary>
    public static long SumSlowly(byte[] data)
    {
        Thread.Sleep(20);
        long sum = 0;
        foreach (byte b in data)
        {
            sum += b;
        }

        return sum;
    }

    /// <summary>Returns <paramref name="size"/> bytes.</summary>
    public static byte[] Bytes(int size) => new byte[size];

    /// <summary>Writes raw bytes on the worker's result pipe (fd 4), as a corrupt or dying worker would, then exits.</summary>
    public static int CorruptResultPipe(byte[] bytes)
    {
        using (FileStream pipe = new(new Microsoft.Win32.SafeHandles.SafeFileHandle(4, ownsHandle: false), FileAccess.Write))
        {
            pipe.Write(bytes);
        }

        Thread.Sleep(200);
        Environment.Exit(0);
        return 0;
    }
}

/// <summary>The descriptors and dispatch table, written the way the generator writes them.</summary>
public static class TestTasks
{
    public static readonly ProcessTask<int, int> Square = ProcessTask.Create<int, int>(0x1001, "Work.Square(int)", static (a, _) => Work.Square(a));
    public static readonly ProcessTask<(int, long), long> Add = ProcessTask.Create<(int, long), long>(0x1002, "Work.Add(int, long)", static (a, _) => Work.Add(a.Item1, a.Item2));
    public static readonly ProcessTask<int, int> Pid = ProcessTask.Create<int, int>(0x1003, "Work.Pid(int)", static (a, _) => Work.Pid(a));
    public static readonly ProcessTask<int, int> Fail = ProcessTask.Create<int, int>(0x1004, "Work.Fail(int)", static (a, _) => Work.Fail(a));
    public static readonly ProcessTask<int, int> Exit = ProcessTask.Create<int, int>(0x1005, "Work.Exit(int)", static (a, _) => Work.Exit(a));
    public static readonly ProcessTask<int, int> KillSelf = ProcessTask.Create<int, int>(0x1006, "Work.KillSelf(int)", static (a, _) => Work.KillSelf(a));
    public static readonly ProcessTask<int, int> Sleep = ProcessTask.Create<int, int>(0x1007, "Work.Sleep(int)", static (a, _) => Work.Sleep(a));
    public static readonly ProcessTask<int, int> SleepUntilCancelled = ProcessTask.Create<int, int>(0x1008, "Work.SleepUntilCancelled(int, CancellationToken)", static (a, ct) => Work.SleepUntilCancelled(a, ct), acceptsCancellation: true);
    public static readonly ProcessTask<int, int> IncrementCounter = ProcessTask.Create<int, int>(0x1009, "Work.IncrementCounter(int)", static (a, _) => Work.IncrementCounter(a));
    public static readonly ProcessTask<string, string> EchoAsync = ProcessTask.CreateAsync<string, string>(0x100A, "Work.EchoAsync(string)", static (a, _) => new ValueTask<string>(Work.EchoAsync(a)));
    public static readonly ProcessTask<byte[], byte[]> Reverse = ProcessTask.Create<byte[], byte[]>(0x100B, "Work.Reverse(byte[])", static (a, _) => Work.Reverse(a));
    public static readonly ProcessTask<int, Unit> Nothing = ProcessTask.Create<int, Unit>(0x100C, "Work.Nothing(int)", static (a, _) => { Work.Nothing(a); return default; });
    public static readonly ProcessTask<int, int> SquareWithRetries = ProcessTask.Create<int, int>(0x100D, "Work.Square(int) with retries", static (a, _) => Work.Square(a), maxRetries: 3);
    public static readonly ProcessTask<byte[], int> CorruptResultPipe = ProcessTask.Create<byte[], int>(0x100E, "Work.CorruptResultPipe(byte[])", static (a, _) => Work.CorruptResultPipe(a));
    public static readonly ProcessTask<string, int> StartChildThenDie = ProcessTask.Create<string, int>(0x100F, "Work.StartChildThenDie(string)", static (a, _) => Work.StartChildThenDie(a));
    public static readonly ProcessTask<int, byte[]> Bytes = ProcessTask.Create<int, byte[]>(0x1010, "Work.Bytes(int)", static (a, _) => Work.Bytes(a));
    public static readonly ProcessTask<int, int> GcLatencyMode = ProcessTask.Create<int, int>(0x1011, "Work.GcLatencyMode(int)", static (a, _) => Work.GcLatencyMode(a));
    public static readonly ProcessTask<byte[], long> SumSlowly = ProcessTask.Create<byte[], long>(0x1012, "Work.SumSlowly(byte[])", static (a, _) => Work.SumSlowly(a));
    public static readonly ProcessTask<int, int> Hook = ProcessTask.Create<int, int>(0x1013, "Work.RunHook(int)", static (a, _) => Work.RunHook(a));

    /// <summary>A task id that no table knows, as if parent and worker ran different builds.</summary>
    public static readonly ProcessTask<int, int> Unknown = ProcessTask.Create<int, int>(0xDEAD, "Unknown(int)", static (a, _) => a);

    [ModuleInitializer]
    internal static void Register() => TaskRegistry.Register(typeof(TestTasks).Assembly, Find);

    private static ProcessTask? Find(ulong id) => id switch
    {
        0x1001 => Square,
        0x1002 => Add,
        0x1003 => Pid,
        0x1004 => Fail,
        0x1005 => Exit,
        0x1006 => KillSelf,
        0x1007 => Sleep,
        0x1008 => SleepUntilCancelled,
        0x1009 => IncrementCounter,
        0x100A => EchoAsync,
        0x100B => Reverse,
        0x100C => Nothing,
        0x100D => SquareWithRetries,
        0x100E => CorruptResultPipe,
        0x100F => StartChildThenDie,
        0x1010 => Bytes,
        0x1011 => GcLatencyMode,
        0x1012 => SumSlowly,
        0x1013 => Hook,
        _ => null,
    };
}
