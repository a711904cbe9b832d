namespace ParallelGen.Tests;

/// <summary>
/// A pool for one test: remembers every worker it ever had (replacements too, as the pool starts them), and on dispose
/// terminates the pool and asserts that none of those processes is left alive, so a test can neither hang CI nor leak
/// workers. Its workers are never parked for another pool (<see cref="ProcessPoolOptions.ReuseWorkers"/> is off), so that
/// every test starts with fresh processes and can check that they all exited.
/// </summary>
internal sealed class TestPool : IDisposable
{
    private readonly HashSet<int> _seen = [];

    public TestPool(int processes = 2, ProcessPoolOptions? options = null)
    {
        options ??= new ProcessPoolOptions();
        options.Processes ??= processes;
        options.ReuseWorkers = false;
        Pool = new ProcessPool(options);
        Pool.WorkerStartedForTesting += pid =>
        {
            lock (_seen)
            {
                _seen.Add(pid);
            }
        };
        Remember();
    }

    public ProcessPool Pool { get; }

    /// <summary>Records the current workers; replacements are recorded anyway as the pool starts them.</summary>
    public void Remember()
    {
        lock (_seen)
        {
            foreach (int pid in Pool.WorkerPids)
            {
                _seen.Add(pid);
            }
        }
    }

    public void Dispose()
    {
        Remember();
        Pool.Dispose();
        int[] seen;
        lock (_seen)
        {
            seen = [.. _seen];
        }

        Processes.AssertAllExited(seen, TimeSpan.FromSeconds(5));
    }
}

/// <summary>Helpers about OS processes.</summary>
internal static class Processes
{
    /// <summary>Kills a process outright (SIGKILL on Linux), as a user or the OOM killer would; does nothing if it is gone.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using System.Diagnostics.Process process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    public static bool IsAlive(int pid)
    {
        // A zombie still has a /proc entry; its state letter is Z.
        string stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            string text = File.ReadAllText(stat);
            int close = text.LastIndexOf(')');
            return close < 0 || text[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static void AssertAllExited(IEnumerable<int> pids, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        List<int> alive = [.. pids.Where(IsAlive)];
        while (alive.Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
            alive = [.. alive.Where(IsAlive)];
        }

        Assert.True(alive.Count == 0, $"Worker processes still alive after the pool was disposed: {string.Join(", ", alive)}");
    }
}

/// <summary>Runs test bodies with a hard deadline, so a bug cannot hang the run.</summary>
internal static class Deadline
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(60);

    public static Task Run(Action body, TimeSpan? timeout = null) =>
        Task.Run(body).WaitAsync(timeout ?? Default);

    public static Task<T> Run<T>(Func<T> body, TimeSpan? timeout = null) =>
        Task.Run(body).WaitAsync(timeout ?? Default);

    public static Task Run(Func<Task> body, TimeSpan? timeout = null) =>
        Task.Run(body).WaitAsync(timeout ?? Default);
}
