using System.Diagnostics;

namespace ParallelGen.WindowsTests.Ipc;

/// <summary>Semaphore, event, condition and barrier between processes, with the same timeouts as on Linux.</summary>
public sealed class IpcSyncTests
{
    [Fact]
    public Task A_bounded_semaphore_admits_at_most_its_count_of_processes_and_refuses_an_extra_release() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using ProcessSemaphore semaphore = new(2, maximumCount: 2);
        using SharedArray<int> insideAndMost = new(2);
        for (int i = 0; i < 4; i++)
        {
            children.Add(WorkerProcess.Start(IpcWork.PassSemaphore, semaphore, insideAndMost));
        }

        children.JoinAllSucceeded(TimeSpan.FromSeconds(90));
        Assert.InRange(insideAndMost[1], 1, 2);
        Assert.Equal(0, insideAndMost[0]);
        Assert.Throws<SemaphoreFullException>(() => semaphore.Release());
        Assert.True(semaphore.Wait(TimeSpan.Zero));
        Assert.True(semaphore.Wait(TimeSpan.Zero));
        Assert.False(semaphore.Wait(TimeSpan.FromMilliseconds(100)));
    });

    [Fact]
    public Task An_event_wait_times_out_while_not_set_and_setting_it_releases_three_waiting_processes() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using ProcessEvent set = new();
        using ProcessQueue<string> replies = new();
        Stopwatch watch = Stopwatch.StartNew();
        Assert.False(set.Wait(TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190));

        for (int i = 0; i < 3; i++)
        {
            children.Add(WorkerProcess.Start(IpcWork.WaitForEvent, set, replies));
        }

        Thread.Sleep(1000); // most of them are waiting by now; a later one finds the event set
        set.Set();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("woken", replies.Get(TimeSpan.FromSeconds(60)));
        }

        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));
    });

    [Fact]
    public Task A_condition_wakes_a_process_waiting_for_shared_state_and_a_wait_times_out_holding_the_lock() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using ProcessCondition condition = new();
        using SharedValue<int> value = new(0, withLock: false);
        using ProcessQueue<string> replies = new();
        children.Add(WorkerProcess.Start(IpcWork.WaitForValue, condition, value, 42, replies));
        Assert.Equal("waiting", replies.Get(TimeSpan.FromSeconds(60)));

        // A notification for a state the waiter does not want: it waits on.
        condition.Enter();
        value.Value = 1;
        condition.NotifyAll();
        condition.Exit();
        Thread.Sleep(100);
        condition.Enter();
        value.Value = 42;
        condition.Notify();
        condition.Exit();
        Assert.Equal("saw 42", replies.Get(TimeSpan.FromSeconds(30)));
        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));

        condition.Enter();
        Stopwatch watch = Stopwatch.StartNew();
        Assert.False(condition.Wait(TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190));
        condition.Exit(); // held again after the timeout
    });

    [Fact]
    public Task Notify_wakes_exactly_one_waiting_process_Notify_2_two_more_and_NotifyAll_the_rest() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using ProcessCondition condition = new();
        using ProcessQueue<string> replies = new();
        for (int i = 0; i < 4; i++)
        {
            children.Add(WorkerProcess.Start(IpcWork.WaitForNotification, condition, replies));
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("waiting", replies.Get(TimeSpan.FromSeconds(60)));
        }

        condition.Enter(); // each child said so holding the lock: all four are in Wait now
        condition.Notify();
        condition.Exit();
        Assert.Equal("woken", replies.Get(TimeSpan.FromSeconds(30)));
        Assert.False(replies.TryGet(out _, TimeSpan.FromMilliseconds(700)), "Notify() woke more than one");

        condition.Enter();
        condition.Notify(2);
        condition.Exit();
        Assert.Equal(["woken", "woken"], new[] { replies.Get(TimeSpan.FromSeconds(30)), replies.Get(TimeSpan.FromSeconds(30)) });
        Assert.False(replies.TryGet(out _, TimeSpan.FromMilliseconds(700)), "Notify(2) woke more than two");

        condition.Enter();
        condition.NotifyAll();
        condition.Exit();
        Assert.Equal("woken", replies.Get(TimeSpan.FromSeconds(30)));
        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));
    });

    [Fact]
    public Task A_notification_is_not_lost_on_a_waiter_killed_while_waiting() => Deadline.Run(() =>
    {
        // glibc's process-shared condition variable hands the next signal to the group of the dead waiter, so on
        // Linux the first live waiter is not woken (measured: it times out every time). Reported, not yet fixed there.
        Assert.SkipWhen(OperatingSystem.IsLinux(), "Linux (pthread condition variable) loses this notification; Windows does not.");
        using IpcChildren children = new();
        using ProcessCondition condition = new();
        using ProcessQueue<string> replies = new();
        WorkerProcess killed = children.Add(WorkerProcess.Start(IpcWork.WaitForNotification, condition, replies));
        Assert.Equal("waiting", replies.Get(TimeSpan.FromSeconds(60)));
        condition.Enter(); // it is in Wait now
        condition.Exit();
        killed.Kill();
        Assert.True(killed.Join(TimeSpan.FromSeconds(30)));

        // Each notification reaches a live waiter, although the dead one is still counted.
        for (int i = 0; i < 2; i++)
        {
            WorkerProcess waiter = children.Add(WorkerProcess.Start(IpcWork.WaitForNotification, condition, replies));
            Assert.Equal("waiting", replies.Get(TimeSpan.FromSeconds(60)));
            condition.Enter();
            condition.Notify();
            condition.Exit();
            Assert.Equal("woken", replies.Get(TimeSpan.FromSeconds(10)));
            Assert.True(waiter.Join(TimeSpan.FromSeconds(30)));
        }
    });

    [Fact]
    public Task Three_processes_meet_at_a_barrier_and_a_wait_alone_times_out_and_breaks_it() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using ProcessBarrier barrier = new(3);
        using ProcessQueue<int> indices = new();
        for (int i = 0; i < 2; i++)
        {
            children.Add(WorkerProcess.Start(IpcWork.MeetAtBarrier, barrier, indices));
        }

        int mine = barrier.SignalAndWait(TimeSpan.FromSeconds(60));
        int[] all = [mine, indices.Get(TimeSpan.FromSeconds(30)), indices.Get(TimeSpan.FromSeconds(30))];
        Assert.Equal([0, 1, 2], all.Order());
        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));

        using ProcessBarrier pair = new(2);
        BrokenBarrierException broken = Assert.Throws<BrokenBarrierException>(() => pair.SignalAndWait(TimeSpan.FromMilliseconds(200)));
        Assert.IsType<TimeoutException>(broken.InnerException);
        Assert.True(pair.IsBroken);
    });
}
