// What the Windows leg (tests/windows/run.sh) builds against the packed ParallelGen package, as a Windows user would:
// a brand-new console project, `dotnet add package ParallelGen`, published for win-x64. The first lines are README.md's
// quick start as written; the rest prints what run.sh checks: the results, that the calls ran in other processes,
// and that a task's exception arrives as it does on Linux.
using ParallelGen;

await using var pool = new ProcessPool();                 // one worker process per core
int[] squares = pool.Map(Work.Square, Enumerable.Range(0, 1000));
long sum = pool.Apply(Work.Add, 1, 2L);                   // typed, checked at compile time
long[] sums = await pool.StarmapAsync(Work.Add, new[] { (1, 2L), (3, 4L) });

int[] pids = pool.Map(Work.Pid, Enumerable.Range(0, 8), chunkSize: 1);
Console.WriteLine($"sum of squares: {squares.Sum(x => (long)x)}; sum: {sum}; sums: {string.Join(",", sums)}");
Console.WriteLine($"ran in {pids.Distinct().Count()} worker processes, none of them this one: {!pids.Contains(Environment.ProcessId)}");
try
{
    pool.Apply(Work.Parse, "not a number");
}
catch (RemoteTaskException e) when (e.RemoteIs<FormatException>())
{
    Console.WriteLine($"error: {e.RemoteTypeName} from {e.TaskName}");
}

Console.WriteLine($"on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");

public static class Work
{
    [ProcessTask] public static int Square(int x) => x * x;
    [ProcessTask] public static long Add(int a, long b) => a + b;
    [ProcessTask] public static int Pid(int _) => Environment.ProcessId;
    [ProcessTask] public static int Parse(string text) => int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
