using System.Globalization;

namespace ParallelGen.WindowsTests;

/// <summary>
/// The test executable's entry. Run with no role it is the xunit.v3 console runner (what tests/windows/run.sh starts
/// under Wine) or the VSTest adapter's child; with <c>hold-pool N</c> it plays the parent process that
/// <see cref="ParentDeathTests"/> starts and kills; with <c>sleep</c>, a process that a task starts (a grandchild).
/// </summary>
/// <remarks>
/// A worker of this executable is this executable re-launched (self-contained, there is no <c>dotnet</c> host): the
/// generated module initializer enters the worker loop before <c>Main</c> runs.
/// </remarks>
internal static class Program
{
    public const string HoldPool = "hold-pool";
    public const string Sleep = "sleep";

    public static int Main(string[] args)
    {
        if (args.Length >= 1 && args[0] == HoldPool)
        {
            return HoldPoolUntilKilled(int.Parse(args[1], CultureInfo.InvariantCulture), args.Length > 2 && args[2] == "grandchildren");
        }

        if (args.Length >= 1 && args[0] == Sleep)
        {
            Thread.Sleep(TimeSpan.FromMinutes(5));
            return 0;
        }

        if (args.Any(arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        }

        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Starts a pool whose workers are all busy in a long call, prints <c>workers pid,pid</c> (and, with
    /// <paramref name="grandchildren"/>, <c>grandchildren pid,pid</c>: a process each worker started), then waits to be killed.
    /// </summary>
    private static int HoldPoolUntilKilled(int processes, bool grandchildren)
    {
        ProcessPool pool = new(processes);
        pool.WaitForWorkersAsync().GetAwaiter().GetResult();
        if (grandchildren)
        {
            int[] started = pool.Map(Work.StartSleeper, Enumerable.Range(0, processes), chunkSize: 1);
            Console.WriteLine("grandchildren " + string.Join(",", started));
        }

        for (int i = 0; i < processes; i++)
        {
            pool.ApplyAsync(Work.Pause, 600_000);
        }

        Thread.Sleep(500); // the calls reach the workers
        Console.WriteLine("workers " + string.Join(",", pool.WorkerPids));
        Console.Out.Flush();
        Thread.Sleep(TimeSpan.FromMinutes(5));
        return 3; // never reached in the test: it kills this process
    }
}
