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
}
