using System.Diagnostics;

namespace ParallelGen.WindowsTests.Ipc;

/// <summary>
/// <see cref="ProcessLock"/> and <see cref="ProcessRLock"/> between processes: on Windows a named mutex, abandoned
/// when its owner exits or is killed, which the next owner hears of as <see cref="AbandonedMutexException"/>, as on Linux.
/// </summary>
public sealed class IpcLockTests
{
    [Fact]
    public Task A_lock_held_by_another_process_times_out_then_is_taken_once_released() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using ProcessLock sharedLock = new();
        using ProcessEvent holding = new();
        children.Add(WorkerProcess.Start(IpcWork.HoldLockFor, sharedLock, holding, 1500));
        Assert.True(holding.Wait(TimeSpan.FromSeconds(60)));

        Stopwatch watch = Stopwatch.StartNew();
        Assert.False(sharedLock.TryEnter(TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190), $"gave up after {watch.ElapsedMilliseconds} ms");
        Assert.True(sharedLock.TryEnter(TimeSpan.FromSeconds(30)));
        sharedLock.Exit();
        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));
    });

    [Fact]
    public Task A_lock_held_by_a_process_that_exits_goes_to_the_next_owner_with_AbandonedMutexException() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using ProcessLock sharedLock = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.HoldLockAndExit, sharedLock));
        Assert.True(child.Join(TimeSpan.FromSeconds(60)));
        Assert.Equal(3, child.ExitCode);

        Assert.Throws<AbandonedMutexException>(() => sharedLock.Enter());
        sharedLock.Exit();
        Assert.True(sharedLock.TryEnter(TimeSpan.FromSeconds(1)));
        sharedLock.Exit();
    });

    [Fact]
    public Task Locks_held_by_a_killed_process_go_to_the_next_owner_with_AbandonedMutexException() => Deadline.Run(async () =>
    {
        using IpcChildren children = new();
        using ProcessLock plain = new();
        using ProcessRLock reentrant = new();
        using ProcessEvent holding = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.HoldLocksUntilKilled, plain, reentrant, holding));
        Assert.True(holding.Wait(TimeSpan.FromSeconds(60)));
        Assert.False(plain.TryEnter(TimeSpan.FromMilliseconds(100)));

        child.Kill();
        Assert.True(child.Join(TimeSpan.FromSeconds(30)));

        // Each next owner hears of the death once, holding the lock; the re-entrant lock held twice needs one Exit.
        Assert.Throws<AbandonedMutexException>(() => plain.Enter());
        plain.Exit();
        Assert.Throws<AbandonedMutexException>(() => reentrant.Enter());
        reentrant.Exit();
        Assert.True(await Task.Run(() => TakeAndRelease(plain.TryEnter, plain.Exit)));
        Assert.True(await Task.Run(() => TakeAndRelease(reentrant.TryEnter, reentrant.Exit)));
    });

    [Fact]
    public Task A_lock_is_not_reentrant_only_its_holder_exits_it_and_an_rlock_is_reentrant() => Deadline.Run(() =>
    {
        // Synchronous on purpose: a lock belongs to a thread, and an await may go on on another one (and a waited task
        // may run inline on this one).
        using ProcessLock plain = new();
        plain.Enter();
        Assert.False(plain.TryEnter(TimeSpan.FromMilliseconds(100)));
        Assert.IsType<SynchronizationLockException>(OnAnotherThread(() => Record.Exception(plain.Exit)));
        plain.Exit();
        Assert.Throws<SynchronizationLockException>(plain.Exit);

        using ProcessRLock reentrant = new();
        reentrant.Enter();
        reentrant.Enter();
        reentrant.Exit();
        Assert.False(OnAnotherThread(() => reentrant.TryEnter(TimeSpan.FromMilliseconds(50))));
        reentrant.Exit();
        Assert.True(OnAnotherThread(() => TakeAndRelease(reentrant.TryEnter, reentrant.Exit)));
    });

    [Fact]
    public Task Four_processes_incrementing_a_shared_value_under_its_lock_end_at_exactly_40000() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using SharedValue<int> counter = new(0);
        for (int i = 0; i < 4; i++)
        {
            children.Add(WorkerProcess.Start(IpcWork.Increment, counter, 10_000));
        }

        children.JoinAllSucceeded(TimeSpan.FromSeconds(90));
        Assert.Equal(40_000, counter.Value);
    });

    private static T OnAnotherThread<T>(Func<T> body)
    {
        T result = default!;
        Thread thread = new(() => result = body());
        thread.Start();
        thread.Join();
        return result;
    }

    private static bool TakeAndRelease(Func<TimeSpan, bool> tryEnter, Action exit)
    {
        if (!tryEnter(TimeSpan.FromSeconds(1)))
        {
            return false;
        }

        exit();
        return true;
    }
}
