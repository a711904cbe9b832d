namespace ParallelGen.WindowsTests;

/// <summary>Every pool call shape through real worker processes, on whichever system the tests run on.</summary>
public sealed class CallShapeTests(ITestOutputHelper output)
{
    [Fact]
    public Task Map_and_Starmap_run_every_item_in_worker_processes_in_input_order() => Deadline.Run(() =>
    {
        using TestPool test = new();
        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * x), test.Pool.Map(Work.Square, Enumerable.Range(0, 500)));
        Assert.Equal([3L, 7L, 11L], test.Pool.Starmap(Work.Add, [(1, 2L), (3, 4L), (5, 6L)]));

        int[] pids = test.Pool.Map(Work.PidOf, Enumerable.Range(0, 32), chunkSize: 2);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.All(pids, pid => Assert.Contains(pid, test.Pool.WorkerPids));
        output.WriteLine($"parent {Environment.ProcessId} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; workers {string.Join(", ", pids.Distinct())}");
    });

    [Fact]
    public Task The_README_quick_start_runs_as_written() => Deadline.Run(async () =>
    {
        // README.md's quick start, line for line (Work.Square and Work.Add are the same tasks), plus what it should give.
        int[] workers;
        await using (var pool = new ProcessPool())                 // one worker process per core
        {
            int[] squares = pool.Map(Work.Square, Enumerable.Range(0, 1000));
            long sum = pool.Apply(Work.Add, 1, 2L);                   // typed, checked at compile time
            long[] sums = await pool.StarmapAsync(Work.Add, new[] { (1, 2L), (3, 4L) });

            Assert.Equal(Enumerable.Range(0, 1000).Select(x => x * x), squares);
            Assert.Equal(3L, sum);
            Assert.Equal([3L, 7L], sums);
            Assert.Equal(Environment.ProcessorCount, pool.Processes);
            workers = [.. pool.WorkerPids];
        }

        ProcessPool.ReleaseIdleWorkers(); // the disposed pool parked its idle workers for the next pool (ReuseWorkers)
        OsProcesses.AssertAllExited(workers, TimeSpan.FromSeconds(10));
    });

    [Fact]
    public Task Apply_and_ApplyAsync_run_in_a_worker_and_callbacks_run_in_the_parent() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        Assert.Equal(3L, test.Pool.Apply(Work.Add, 1, 2L));

        int callbackPid = 0;
        long callbackValue = 0;
        AsyncResult<long> result = test.Pool.ApplyAsync(Work.Add, 20, 22L, callback: value =>
        {
            callbackValue = value;
            callbackPid = Environment.ProcessId;
        });
        Assert.Equal(42L, await result);
        Assert.True(result.Successful);
        Assert.Equal((42L, Environment.ProcessId), (callbackValue, callbackPid));

        Exception? reported = null;
        AsyncResult<int> failing = test.Pool.ApplyAsync(Work.Fail, 13, errorCallback: e => reported = e);
        RemoteTaskException error = await Assert.ThrowsAsync<RemoteTaskException>(async () => await failing);
        Assert.Same(error, reported);
        Assert.Equal("unlucky 13", error.Message);
        Assert.Equal(5, test.Pool.Apply(Work.Fail, 5));
    });

    [Fact]
    public Task The_Imap_family_streams_results_ordered_unordered_and_async() => Deadline.Run(async () =>
    {
        using TestPool test = new();
        Assert.Equal(Enumerable.Range(0, 300).Select(x => x * x), test.Pool.Imap(Work.Square, Enumerable.Range(0, 300), chunkSize: 7));
        Assert.Equal(Enumerable.Range(0, 300).Select(x => x * x).Order(), test.Pool.ImapUnordered(Work.Square, Enumerable.Range(0, 300), chunkSize: 7).Order());

        List<int> streamed = [];
        await foreach (int square in test.Pool.ImapAsync(Work.Square, Enumerable.Range(0, 100), chunkSize: 4))
        {
            streamed.Add(square);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), streamed);
    });

    [Fact]
    public Task Progress_is_reported_in_the_parent_up_to_the_total() => Deadline.Run(() =>
    {
        using TestPool test = new();
        List<PoolProgress> reports = [];
        Progress progress = new(reports);
        int[] squares = test.Pool.Map(Work.Square, Enumerable.Range(0, 200), chunkSize: 10, progress: progress);

        Assert.Equal(Enumerable.Range(0, 200).Select(x => x * x), squares);
        lock (reports)
        {
            Assert.NotEmpty(reports);
            Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Completed <= p.Second.Completed), "progress went backwards");
            Assert.Equal(200, reports[^1].Completed);
            Assert.Equal(200, reports[^1].Total);
        }
    });

    [Fact]
    public Task Cancelling_a_running_call_signals_the_task_token_in_its_worker() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        string marker = Path.Combine(Path.GetTempPath(), $"pg-win-cancel-{Guid.NewGuid():N}");
        try
        {
            using CancellationTokenSource cancel = new();
            AsyncResult<int> call = test.Pool.ApplyAsync(Work.WaitForCancellation, marker, cancellationToken: cancel.Token);
            while (!File.Exists(marker + ".started"))
            {
                await Task.Delay(20);
            }

            output.WriteLine("the task runs; cancelling");
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await call);
            output.WriteLine($"the call is cancelled; workers {string.Join(",", test.Pool.WorkerPids.Select(p => $"{p} alive={OsProcesses.IsAlive(p)}"))}");
            string? noted = null;
            for (int waited = 0; (noted = TryRead(marker)) is null; waited += 20)
            {
                Assert.True(waited < 30_000, $"the task's token did not fire in its worker within 30 s; workers {string.Join(",", test.Pool.WorkerPids.Select(p => $"{p} alive={OsProcesses.IsAlive(p)}"))}");
                await Task.Delay(20);
            }

            Assert.Contains(int.Parse(noted, System.Globalization.CultureInfo.InvariantCulture), test.Pool.WorkerPids);
            Assert.Equal(16, test.Pool.Apply(Work.Square, 4));
        }
        finally
        {
            File.Delete(marker);
            File.Delete(marker + ".started");
        }
    });

    [Fact]
    public Task Cancelling_a_queued_Map_drops_its_calls() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        using CancellationTokenSource cancel = new();
        Task<int[]> map = test.Pool.MapAsync(Work.SleepFor, Enumerable.Repeat(50, 200), chunkSize: 1, cancellationToken: cancel.Token);
        await Task.Delay(300);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map);
        Assert.Equal(9, test.Pool.Apply(Work.Square, 3));
    });

    /// <summary>Records reports as they come (on the pool's callback queue, in order).</summary>
    private sealed class Progress(List<PoolProgress> reports) : IProgress<PoolProgress>
    {
        public void Report(PoolProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }

    /// <summary>
    /// Reads the file, or returns <see langword="null"/> if it is not there or not free yet: Windows' MoveFile renames
    /// through a handle it opened without sharing, so for a moment the file has its new name and cannot be opened
    /// (a loaded run failed with "being used by another process" on a marker a worker had just moved into place).
    /// </summary>
    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
