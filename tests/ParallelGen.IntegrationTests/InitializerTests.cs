using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>The pool initializer (Python's initializer/initargs), compile-time checked, through real workers.</summary>
public sealed class InitializerTests(ITestOutputHelper output)
{
    [Fact]
    public Task The_initializer_runs_in_every_worker_before_its_first_task_and_not_in_the_parent() => Deadline.Run(() =>
    {
        using TestPool test = new(options: new ProcessPoolOptions { Initializer = PoolInitializer.Create(Work.SetGreeting, "hi", 2) });

        string[] greetings = test.Pool.Map(Work.Greet, new[] { "ann", "bob", "cy", "di" }, chunkSize: 1);

        Assert.Equal(["hihi ann", "hihi bob", "hihi cy", "hihi di"], greetings);
        Assert.Null(Work.Greeting);
    });

    [Fact]
    public Task The_initializer_runs_exactly_once_in_each_worker() => Deadline.Run(() =>
    {
        using TestPool test = new(options: new ProcessPoolOptions { Initializer = PoolInitializer.Create(Work.CountInitialization) });

        (int Pid, int Initializations)[] seen = test.Pool.Map(Work.InitializationsHere, Enumerable.Range(0, 40), chunkSize: 1);

        output.WriteLine($"{seen.Select(s => s.Pid).Distinct().Count()} workers, initializations seen: {string.Join(", ", seen.Select(s => s.Initializations).Distinct())}");
        Assert.All(seen, s => Assert.Equal(1, s.Initializations));
        Assert.All(seen, s => Assert.NotEqual(Environment.ProcessId, s.Pid));
        Assert.Equal(0, Work.Initializations);
    });

    [Fact]
    public Task A_replacement_worker_runs_the_initializer_too() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1, options: new ProcessPoolOptions { Initializer = PoolInitializer.Create(Work.SetGreeting, "hey", 1) });
        Assert.Throws<WorkerCrashedException>(() => test.Pool.Apply(Work.KillSelf, 9));
        Assert.Equal("hey again", test.Pool.Apply(Work.Greet, "again"));
        test.Remember();
    });

    [Fact]
    public Task A_failing_initializer_fails_calls_with_its_error_instead_of_respawning_forever() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1, options: new ProcessPoolOptions { Initializer = PoolInitializer.Create(Work.FailToInitialize) });

        WorkerCrashedException error = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await test.Pool.ApplyAsync(Work.Greet, "x"));

        output.WriteLine(error.Message);
        Assert.Contains("FailToInitialize", error.Message);
        Assert.Contains("no database", error.Message);
        Assert.Throws<InvalidOperationException>(() => test.Pool.Apply(Work.Greet, "y"));
    });

    [Fact]
    public Task An_initializer_slower_than_TaskTimeout_is_part_of_the_start_not_a_timed_out_call() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1, options: new ProcessPoolOptions
        {
            Initializer = PoolInitializer.Create(Work.Pause, 800),
            TaskTimeout = TimeSpan.FromMilliseconds(200),
        });

        await test.Pool.WaitForWorkersAsync();
        int worker = test.Pool.WorkerPids.Single();
        Assert.Equal(42, test.Pool.Apply(Work.Spin, 21));
        Assert.Equal(worker, test.Pool.WorkerPids.Single()); // started once: no timeout, no replacement
    });

    [Fact]
    public Task An_initializer_that_never_finishes_is_a_failed_start_after_WorkerStartTimeout() => Deadline.Run(async () =>
    {
        string never = Path.Combine(Path.GetTempPath(), $"parallelgen-never-{Guid.NewGuid():N}");
        using TestPool test = new(processes: 1, options: new ProcessPoolOptions
        {
            Initializer = PoolInitializer.Create(Work.WaitForFile, never),
            WorkerStartTimeout = TimeSpan.FromSeconds(1),
        });
        Stopwatch watch = Stopwatch.StartNew();

        WorkerCrashedException error = await Assert.ThrowsAsync<WorkerCrashedException>(async () => await test.Pool.ApplyAsync(Work.Spin, 1));

        output.WriteLine($"after {watch.ElapsedMilliseconds} ms: {error.Message}");
        Assert.Contains("initializer did not finish within ProcessPoolOptions.WorkerStartTimeout", error.Message);
        Assert.InRange(watch.ElapsedMilliseconds, 2500, 25_000); // three starts of a second each
        test.Remember();
    });

    [Fact]
    public Task Workers_killed_from_outside_while_starting_are_replaced_however_often_it_happens() => Deadline.Run(async () =>
    {
        // The initializer holds every worker in start-up until the gate file exists, so each kill hits a worker that
        // is not ready yet: five kills in a row, more than the three failed starts that fault a pool.
        string gate = Path.Combine(Path.GetTempPath(), $"parallelgen-gate-{Guid.NewGuid():N}");
        using TestPool test = new(processes: 1, options: new ProcessPoolOptions { Initializer = PoolInitializer.Create(Work.WaitForFile, gate) });
        try
        {
            AsyncResult<int> call = test.Pool.ApplyAsync(Work.Spin, 21);
            HashSet<int> killed = [];
            while (killed.Count < 5)
            {
                Assert.False(call.Ready, $"the call ended after {killed.Count} kills: {call.AsTask().Exception?.InnerException?.Message}");
                test.Remember();
                if (test.Pool.WorkerPids is [int starting] && killed.Add(starting))
                {
                    Process.GetProcessById(starting).Kill();
                }

                await Task.Delay(10);
            }

            File.WriteAllText(gate, "");
            Assert.Equal(42, await call);
            test.Remember();
            output.WriteLine($"{killed.Count} workers killed while starting; the sixth started and answered");
            Assert.DoesNotContain(test.Pool.WorkerPids.Single(), killed);
        }
        finally
        {
            File.Delete(gate);
        }
    });
}
