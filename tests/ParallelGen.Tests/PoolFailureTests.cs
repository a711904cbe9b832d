using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.Tests;

public sealed class PoolFailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_task_exception_reaches_the_caller_with_remote_details_and_the_worker_survives()
    {
        using TestPool test = new(processes: 1);
        int before = test.Pool.WorkerPids.Single();

        RemoteTaskException error = await Assert.ThrowsAsync<RemoteTaskException>(
            () => Deadline.Run(() => test.Pool.Map(TestTasks.Fail, Enumerable.Range(0, 20), chunkSize: 5)));

        output.WriteLine(error.ToString());
        Assert.Equal("System.InvalidOperationException", error.RemoteTypeName);
        Assert.Equal("unlucky 13", error.Message);
        Assert.Contains(nameof(Work.Fail), error.RemoteStackTrace);
        Assert.Equal(13, error.InputIndex);
        Assert.Equal(before, error.WorkerPid);
        Assert.Equal(before, test.Pool.WorkerPids.Single());
        Assert.Equal(49, await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 7)));
    }

    [Fact]
    public async Task A_worker_that_exits_fails_its_call_and_is_replaced()
    {
        using TestPool test = new(processes: 1);
        int before = test.Pool.WorkerPids.Single();
        Stopwatch watch = Stopwatch.StartNew();

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(
            () => Deadline.Run(() => test.Pool.Apply(TestTasks.Exit, 3)));

        output.WriteLine($"{crash.Message} (detected after {watch.ElapsedMilliseconds} ms)");
        Assert.Equal(before, crash.WorkerPid);
        Assert.Equal(3, crash.ExitCode);
        Assert.Null(crash.Signal);
        Assert.Equal("Work.Exit(int)", crash.TaskName);
        Assert.Equal(81, await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 9)));
        test.Remember();
        Assert.NotEqual(before, test.Pool.WorkerPids.Single());
    }

    [Fact]
    public async Task A_worker_killed_by_a_signal_reports_the_signal()
    {
        using TestPool test = new(processes: 2);

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(
            () => Deadline.Run(() => test.Pool.Apply(TestTasks.KillSelf, 0)));

        output.WriteLine(crash.Message);
        Assert.Equal(-9, crash.ExitCode);
        Assert.Equal(9, crash.Signal);
        Assert.Equal(new[] { 1, 4, 9 }, await Deadline.Run(() => test.Pool.Map(TestTasks.Square, [1, 2, 3])));
        test.Remember();
    }

    [Fact]
    public async Task A_task_id_the_worker_does_not_know_fails_only_that_call()
    {
        using TestPool test = new(processes: 1);

        RemoteTaskException error = await Assert.ThrowsAsync<RemoteTaskException>(
            () => Deadline.Run(() => test.Pool.Apply(TestTasks.Unknown, 1)));

        Assert.Contains("not registered", error.Message);
        Assert.Equal(4, await Deadline.Run(() => test.Pool.Apply(TestTasks.Square, 2)));
    }

    [Fact]
    public async Task Retries_rerun_a_call_whose_worker_was_killed()
    {
        using TestPool test = new(processes: 2);
        AsyncResult<int> slow = test.Pool.ApplyAsync(TestTasks.Sleep, 2_000);
        await Task.Delay(300);

        // Kill whichever worker holds the slow call: the one that is busy.
        foreach (int pid in test.Pool.WorkerPids)
        {
            Interop.LibC.kill(pid, Interop.LibC.SIGKILL);
        }

        WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => slow.AsTask().WaitAsync(Deadline.Default));
        Assert.Equal(-9, crash.ExitCode);

        // The same kind of kill with a retrying task: the call completes on a replacement worker.
        AsyncResult<int> retried = test.Pool.ApplyAsync(TestTasks.SquareWithRetries, 12);
        Assert.Equal(144, await retried.AsTask().WaitAsync(Deadline.Default));
        test.Remember();
    }
}
