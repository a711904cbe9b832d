using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>The barrier as Python's: a timeout breaks it for everyone, Abort, Reset, an action run once per phase.</summary>
public sealed class IpcBarrierTests(ITestOutputHelper output)
{
    [Fact]
    public Task A_party_that_times_out_breaks_the_barrier_and_every_other_waiter_is_released_with_BrokenBarrierException() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessBarrier barrier = new(3);
        using ProcessQueue<string> outcomes = new();
        children.Add(WorkerProcess.Start(IpcParityWork.WaitAtBarrier, barrier, 300, outcomes));
        children.Add(WorkerProcess.Start(IpcParityWork.WaitAtBarrier, barrier, 20_000, outcomes));

        // The third party never comes. Without breaking, the second child would wait its 20 s.
        string[] reported = [outcomes.Get(TimeSpan.FromSeconds(30)), outcomes.Get(TimeSpan.FromSeconds(5))];
        output.WriteLine(string.Join(", ", reported));
        Assert.Contains(reported, r => r.StartsWith("300|BrokenBarrierException:TimeoutException|", StringComparison.Ordinal));
        Assert.Contains(reported, r => r.StartsWith("20000|BrokenBarrierException:|", StringComparison.Ordinal));
        Assert.True(barrier.IsBroken);
        Assert.Equal(0, barrier.WaitingCount);
        Assert.Throws<BrokenBarrierException>(() => barrier.SignalAndWait(TimeSpan.FromSeconds(5)));

        barrier.Reset();
        Assert.False(barrier.IsBroken);
        children.Add(WorkerProcess.Start(IpcParityWork.WaitAtBarrier, barrier, 20_000, outcomes));
        children.Add(WorkerProcess.Start(IpcParityWork.WaitAtBarrier, barrier, 20_000, outcomes));
        int mine = barrier.SignalAndWait(TimeSpan.FromSeconds(30));
        string[] passed = [outcomes.Get(TimeSpan.FromSeconds(30)), outcomes.Get(TimeSpan.FromSeconds(30))];
        Assert.All(passed, p => Assert.Contains("|passed:", p));
        int[] indexes = [mine, .. passed.Select(p => int.Parse(p.Split('|')[1].Split(':')[1]))];
        Assert.Equal([0, 1, 2], indexes.Order());
    });

    [Fact]
    public Task Abort_releases_the_waiting_parties_and_Reset_while_a_party_waits_releases_it_too() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessBarrier barrier = new(2);
        using ProcessQueue<string> outcomes = new();
        children.Add(WorkerProcess.Start(IpcParityWork.WaitAtBarrier, barrier, 20_000, outcomes));
        WaitUntil(() => barrier.WaitingCount == 1);
        barrier.Abort();
        Assert.StartsWith("20000|BrokenBarrierException:|", outcomes.Get(TimeSpan.FromSeconds(5)));
        Assert.True(barrier.IsBroken);

        barrier.Reset();
        children.Add(WorkerProcess.Start(IpcParityWork.WaitAtBarrier, barrier, 20_000, outcomes));
        WaitUntil(() => barrier.WaitingCount == 1);
        barrier.Reset();
        Assert.StartsWith("20000|BrokenBarrierException:|", outcomes.Get(TimeSpan.FromSeconds(5)));
        Assert.False(barrier.IsBroken); // a reset barrier is ready for the next phase at once
        Assert.Equal(0, barrier.WaitingCount);
    });

    [Fact]
    public Task The_default_timeout_applies_in_every_process_that_waits_without_one() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessBarrier barrier = new(2, timeout: TimeSpan.FromMilliseconds(300));
        using ProcessQueue<string> outcomes = new();
        Assert.Equal(TimeSpan.FromMilliseconds(300), barrier.DefaultTimeout);
        children.Add(WorkerProcess.Start(IpcParityWork.WaitAtBarrier, barrier, -1, outcomes));
        string outcome = outcomes.Get(TimeSpan.FromSeconds(30));
        output.WriteLine(outcome);
        Assert.StartsWith("-1|BrokenBarrierException:TimeoutException|", outcome);
        Assert.InRange(long.Parse(outcome.Split('|')[2]), 280, 5000);
    });

    [Fact]
    public Task The_action_runs_exactly_once_per_phase_in_one_party_before_any_party_goes_on() => Deadline.Run(() =>
    {
        const int Phases = 50;
        using Children children = new();
        using SharedValue<int> actions = new(0);
        using ProcessQueue<int> runners = new();
        using ProcessBarrier barrier = new(3);
        WorkerProcess[] parties = [.. Enumerable.Range(0, 3).Select(_ => children.Add(WorkerProcess.Start(IpcParityWork.CountPhases, barrier, actions, runners, Phases)))];
        Assert.All(parties, p => Assert.True(p.Join(TimeSpan.FromSeconds(30))));
        Assert.All(parties, p => Assert.Equal(0, p.ExitCode)); // each saw the count of its phase right after every wait

        List<int> ran = [];
        while (runners.TryGet(out int pid))
        {
            ran.Add(pid);
        }

        output.WriteLine($"{Phases} phases, actions run by: {string.Join(", ", ran.GroupBy(p => p).Select(g => $"{g.Key}×{g.Count()}"))}");
        Assert.Equal(Phases, actions.Value);
        Assert.Equal(Phases, ran.Count);
        Assert.All(ran, pid => Assert.Contains(pid, parties.Select(p => p.Pid)));
    });

    [Fact]
    public Task An_action_given_only_to_the_creator_runs_in_the_creator_whoever_arrives_last() => Deadline.Run(() =>
    {
        using Children children = new();
        int ran = 0;
        using ProcessBarrier barrier = new(2, action: () => Interlocked.Increment(ref ran));
        using ProcessQueue<string> outcomes = new();
        for (int phase = 1; phase <= 5; phase++)
        {
            children.Add(WorkerProcess.Start(IpcParityWork.WaitAtBarrier, barrier, 20_000, outcomes));
            if (phase % 2 == 0)
            {
                WaitUntil(() => barrier.WaitingCount == 1); // the child waits first: the parent arrives last
            }

            barrier.SignalAndWait(TimeSpan.FromSeconds(30));
            Assert.Contains("|passed:", outcomes.Get(TimeSpan.FromSeconds(30)));
            Assert.Equal(phase, ran);
        }
    });

    [Fact]
    public Task An_action_that_throws_breaks_the_barrier_its_party_gets_the_exception_and_the_others_BrokenBarrierException() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessBarrier barrier = new(2);
        using ProcessQueue<string> outcomes = new();
        children.Add(WorkerProcess.Start(IpcParityWork.WaitWithFailingAction, barrier, outcomes));
        children.Add(WorkerProcess.Start(IpcParityWork.WaitWithFailingAction, barrier, outcomes));
        string[] seen = [outcomes.Get(TimeSpan.FromSeconds(30)), outcomes.Get(TimeSpan.FromSeconds(30))];
        Assert.Equal(["BrokenBarrierException", "FormatException"], seen.Order());
        Assert.True(barrier.IsBroken);
    });

    [Fact]
    public Task A_party_killed_while_it_runs_the_action_breaks_the_barrier_for_the_others() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessBarrier barrier = new(2);
        using ProcessEvent running = new();
        using ProcessQueue<string> outcomes = new();
        WorkerProcess runner = children.Add(WorkerProcess.Start(IpcParityWork.WaitWithEndlessAction, barrier, running));
        WaitUntil(() => barrier.WaitingCount == 1);
        Task<Exception> mine = Task.Run(() => Record.Exception(() => barrier.SignalAndWait(TimeSpan.FromMilliseconds(200))));
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)));

        // While the action runs the parent's short timeout does not break the barrier (nobody can, in Python).
        Thread.Sleep(500);
        Assert.False(mine.IsCompleted);
        Stopwatch watch = Stopwatch.StartNew();
        runner.Kill();
        Assert.IsType<BrokenBarrierException>(mine.GetAwaiter().GetResult());
        output.WriteLine($"broken {watch.ElapsedMilliseconds} ms after the party running the action was killed");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3));
    });

    private static void WaitUntil(Func<bool> condition)
    {
        Stopwatch watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting");
            Thread.Sleep(10);
        }
    }
}
