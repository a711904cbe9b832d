using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>Failures through the generated path: remote exceptions, crashed workers, and the pool carrying on.</summary>
public sealed class GeneratedFailureTests(ITestOutputHelper output)
{
    [Fact]
    public Task A_task_exception_arrives_as_RemoteTaskException_and_the_worker_survives() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        int worker = test.Pool.WorkerPids.Single();

        RemoteTaskException error = Assert.Throws<RemoteTaskException>(() => test.Pool.Map(Work.Fail, Enumerable.Range(0, 20)));

        output.WriteLine(error.ToString());
        Assert.Equal("System.InvalidOperationException", error.RemoteTypeName);
        Assert.Equal("unlucky 13", error.Message);
        Assert.Contains(nameof(Work.Fail), error.RemoteStackTrace);
        Assert.Equal(13, error.InputIndex);
        Assert.Equal(worker, test.Pool.WorkerPids.Single());
        Assert.Equal(12, test.Pool.Apply(Work.Fail, 12));
    });

    [Fact]
    public Task A_killed_worker_fails_its_call_with_WorkerCrashedException_then_the_pool_serves_again() => Deadline.Run(async () =>
    {
        // One worker, so that the calls after the crash can only run in its replacement.
        using TestPool test = new(processes: 1);
        await test.Pool.WaitForWorkersAsync();
        Stopwatch watch = Stopwatch.StartNew();

        WorkerCrashedException crash = Assert.Throws<WorkerCrashedException>(() => test.Pool.Apply(Work.KillSelf, 9));

        output.WriteLine($"{crash.Message} (detected after {watch.ElapsedMilliseconds} ms)");
        // No timer is involved (no TaskTimeout; the start timeout is 60 s): the pool learns of the death from the pipe's end
        // of file. How fast that is, is a figure for the benchmarks, not a bound for a test on a shared machine.
        Assert.Equal(9, crash.Signal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"crash detected after {watch.ElapsedMilliseconds} ms");
        Assert.False(Processes.IsAlive(crash.WorkerPid));

        int replacement = test.Pool.Apply(Work.WorkerPid);
        Assert.NotEqual(crash.WorkerPid, replacement);
        Assert.NotEqual(Environment.ProcessId, replacement);
        Assert.Equal(49, test.Pool.Apply(Work.Square, 7));
        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), test.Pool.Map(Work.Square, Enumerable.Range(0, 100)));
        test.Remember();
    });

    [Fact]
    public Task A_worker_that_exits_reports_its_exit_code() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        await test.Pool.WaitForWorkersAsync();
        Stopwatch watch = Stopwatch.StartNew();

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await test.Pool.ApplyAsync(Work.ExitWith, 3));

        output.WriteLine($"{crash.Message} (detected after {watch.ElapsedMilliseconds} ms)");
        // No timer is involved (no TaskTimeout; the start timeout is 60 s): the pool learns of the death from the pipe's end
        // of file. How fast that is, is a figure for the benchmarks, not a bound for a test on a shared machine.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"exit detected after {watch.ElapsedMilliseconds} ms");
        Assert.Equal(3, crash.ExitCode);
        Assert.Null(crash.Signal);
        Assert.NotEqual(crash.WorkerPid, test.Pool.Apply(Work.WorkerPid));
        Assert.Equal(8L, test.Pool.Apply(Work.Add, 4, 4L));
        test.Remember();
    });
}
