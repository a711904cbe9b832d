using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>
/// Pool-per-batch code: a disposed pool's idle workers serve the next pool of the same shape, so that opening a pool
/// per batch costs about what one pool costs (loky's reusable executor). See docs/pool.md ("Reused workers").
/// </summary>
/// <remarks>Each test uses a <c>MaxMessageSize</c> of its own, so that no other test's pool can take its workers.</remarks>
public sealed class WorkerReuseTests(ITestOutputHelper output)
{
    [Fact]
    public Task A_disposed_pools_idle_workers_serve_the_next_pool_of_the_same_shape_with_their_static_state() => Deadline.Run(async () =>
    {
        ProcessPoolOptions Shape() => new() { Processes = 2, MaxMessageSize = (1 << 20) + 1 };
        int[] first;
        using (ProcessPool pool = new(Shape()))
        {
            await pool.WaitForWorkersAsync();
            first = [.. pool.WorkerPids.Order()];
            Assert.All(pool.Map(SchedulingWork.Remember, [1, 1], chunkSize: 1), r => Assert.Contains(r.Pid, first));
        }

        Stopwatch watch = Stopwatch.StartNew();
        using (ProcessPool pool = new(Shape()))
        {
            await pool.WaitForWorkersAsync();
            output.WriteLine($"second pool ready in {watch.Elapsed.TotalMilliseconds:F1} ms with workers {string.Join(",", pool.WorkerPids)} (first: {string.Join(",", first)})");
            Assert.Equal(first, pool.WorkerPids.Order());

            // Static fields live as long as the worker process: what the first pool's tasks left is still there.
            (int Pid, int Total)[] totals = [.. Enumerable.Range(0, 20).Select(_ => pool.Apply(SchedulingWork.Remember, 0))];
            Assert.All(totals, t => Assert.True(t.Total >= 1));
        }

        ProcessPool.ReleaseIdleWorkers();
        Processes.AssertAllExited(first, TimeSpan.FromSeconds(5));
    });

    [Fact]
    public Task Workers_are_not_reused_by_a_pool_of_another_shape_nor_with_ReuseWorkers_off() => Deadline.Run(async () =>
    {
        int[] parked;
        using (ProcessPool pool = new(new ProcessPoolOptions { Processes = 1, MaxMessageSize = (1 << 20) + 2 }))
        {
            await pool.WaitForWorkersAsync();
            parked = [.. pool.WorkerPids];
        }

        using (ProcessPool other = new(new ProcessPoolOptions { Processes = 1, MaxMessageSize = (1 << 20) + 3 }))
        {
            await other.WaitForWorkersAsync();
            Assert.DoesNotContain(parked[0], other.WorkerPids);
        }

        int[] unshared;
        using (ProcessPool pool = new(new ProcessPoolOptions { Processes = 1, MaxMessageSize = (1 << 20) + 2, ReuseWorkers = false }))
        {
            await pool.WaitForWorkersAsync();
            Assert.DoesNotContain(parked[0], pool.WorkerPids); // it does not take parked workers either
            unshared = [.. pool.WorkerPids];
        }

        Processes.AssertAllExited(unshared, TimeSpan.FromSeconds(5));
        ProcessPool.ReleaseIdleWorkers();
        Processes.AssertAllExited(parked, TimeSpan.FromSeconds(5));
    });

    [Fact]
    public Task A_worker_busy_when_its_pool_is_disposed_is_killed_not_reused() => Deadline.Run(async () =>
    {
        ProcessPoolOptions Shape() => new() { Processes = 2, MaxMessageSize = (1 << 20) + 4 };
        int busy;
        int idle;
        using (ProcessPool pool = new(Shape()))
        {
            await pool.WaitForWorkersAsync();
            AsyncResult<int> endless = pool.ApplyAsync(SchedulingWork.Nap, Timeout.Infinite);
            await Task.Delay(200);
            idle = pool.Apply(Work.PidOf, 0); // the only worker with room
            busy = pool.WorkerPids.Single(pid => pid != idle);
            Assert.False(endless.Ready);
        }

        Processes.AssertAllExited([busy], TimeSpan.FromSeconds(5));
        Assert.True(Processes.IsAlive(idle));
        using (ProcessPool pool = new(Shape()))
        {
            await pool.WaitForWorkersAsync();
            Assert.Contains(idle, pool.WorkerPids);
            Assert.DoesNotContain(busy, pool.WorkerPids);
        }

        ProcessPool.ReleaseIdleWorkers();
        Processes.AssertAllExited([idle], TimeSpan.FromSeconds(5));
    });

    [Fact]
    public Task Parked_workers_exit_after_IdleWorkerTimeout() => Deadline.Run(async () =>
    {
        int[] pids;
        using (ProcessPool pool = new(new ProcessPoolOptions { Processes = 2, MaxMessageSize = (1 << 20) + 5, IdleWorkerTimeout = TimeSpan.FromMilliseconds(300) }))
        {
            await pool.WaitForWorkersAsync();
            pids = [.. pool.WorkerPids];
        }

        Assert.All(pids, pid => Assert.True(Processes.IsAlive(pid)));
        Processes.AssertAllExited(pids, TimeSpan.FromSeconds(10));
    });
}
