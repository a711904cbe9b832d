namespace ParallelGen.Tests;

public sealed class ProgressTests
{
    /// <summary>
    /// A synchronous progress handler that uses the pool (here it reads <see cref="ProcessPool.WorkerPids"/>, which
    /// takes the pool's lock) while other workers' answers keep arriving: the report must run outside every library
    /// lock. It used to run under the call's lock, which the pool takes under its own lock to cut the next chunk, so
    /// the handler and any thread submitting work at that moment waited for each other for good.
    /// </summary>
    [Fact]
    public async Task A_synchronous_progress_handler_that_uses_the_pool_does_not_deadlock_it()
    {
        TestPool test = new();
        int[] pids = [.. test.Pool.WorkerPids];
        SynchronousProgress progress = new();
        int seen = 0;
        progress.Reported += _ =>
        {
            Thread.Sleep(5); // long enough that another worker answers and the pool cuts its next chunk meanwhile
            seen = Math.Max(seen, test.Pool.WorkerPids.Count);
        };

        Task map = Task.Run(() => test.Pool.Map(TestTasks.Sleep, Enumerable.Repeat(2, 400), chunkSize: 1, progress: progress));
        Task submitter = Task.Run(async () =>
        {
            // Other work submitted meanwhile, without waiting for it: each submission dispatches, which cuts the Map's
            // next chunk under the pool's lock.
            List<Task<int>> calls = [];
            while (!map.IsCompleted)
            {
                calls.Add(test.Pool.ApplyAsync(TestTasks.Square, 3).AsTask());
                Thread.Sleep(1);
            }

            await Task.WhenAll(calls);
        });
        if (await Task.WhenAny(map, Task.Delay(TimeSpan.FromSeconds(30))) != map)
        {
            // Deadlocked: disposing would wait on the same locks, so end the workers directly and fail.
            foreach (int pid in pids)
            {
                Processes.Kill(pid);
            }

            Assert.Fail("The Map did not finish within 30 s: the progress handler and the pool deadlocked.");
        }

        await map;
        await submitter.WaitAsync(TimeSpan.FromSeconds(10));
        test.Dispose();
        Assert.Equal(2, seen);
        Assert.Equal(400, progress.Reports[^1].Completed);
    }
}
