using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>Process control, timeouts and the synchronisation primitives between real processes.</summary>
public sealed class IpcPrimitiveTests(ITestOutputHelper output)
{
    [Fact]
    public Task Kill_gives_exit_code_minus_9_WaitForExitAsync_completes_and_the_process_leaves_ActiveChildren() => Deadline.Run(async () =>
    {
        using Children children = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcPrimitiveWork.SleepForever));

        Assert.False(child.Join(TimeSpan.FromMilliseconds(200)));
        Assert.True(child.IsAlive);
        Assert.Null(child.ExitCode);
        using CancellationTokenSource soon = new(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => child.WaitForExitAsync(soon.Token));

        Assert.Contains(child, WorkerProcess.ActiveChildren());

        child.Kill();
        await child.WaitForExitAsync(CancellationToken.None);
        Assert.DoesNotContain(child, WorkerProcess.ActiveChildren());
        Assert.False(child.IsAlive);
        Assert.Equal(-9, child.ExitCode);
        Assert.False(Processes.IsAlive(child.Pid));
    });

    [Fact]
    public Task A_task_that_throws_gives_exit_code_1_and_its_exception() => Deadline.Run(() =>
    {
        using Children children = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcPrimitiveWork.Fail, "boom"));

        Assert.True(child.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, child.ExitCode);
        Assert.NotNull(child.Exception);
        Assert.Contains("InvalidOperationException", child.Exception.RemoteTypeName);
        Assert.Equal("boom", child.Exception.Message);
    });

    [Fact]
    public Task A_lock_held_by_another_process_times_out_then_is_taken_once_released() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessLock sharedLock = new();
        using ProcessEvent held = new();
        using ProcessEvent release = new();
        WorkerProcess holder = children.Add(WorkerProcess.Start(IpcPrimitiveWork.HoldLockUntil, sharedLock, held, release));
        Assert.True(held.Wait(TimeSpan.FromSeconds(30)));

        Stopwatch watch = Stopwatch.StartNew();
        Assert.False(sharedLock.TryEnter(TimeSpan.FromMilliseconds(300)));
        TimeSpan waited = watch.Elapsed;
        Assert.False(sharedLock.TryEnter(TimeSpan.Zero));

        release.Set();
        Assert.True(sharedLock.TryEnter(TimeSpan.FromSeconds(10)));
        sharedLock.Exit();
        Assert.True(holder.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, holder.ExitCode);
        Assert.InRange(waited, TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(5));
    });

    [Fact]
    public Task An_rlock_is_reentrant_for_its_holder_and_excludes_other_processes_until_fully_released() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessRLock sharedLock = new();
        using ProcessQueue<bool> taken = new();

        sharedLock.Enter();
        Assert.True(sharedLock.TryEnter(TimeSpan.Zero)); // re-entered, not deadlocked
        children.Add(WorkerProcess.Start(IpcPrimitiveWork.TryRLock, sharedLock, 200, taken)).Join();
        Assert.False(taken.Get());

        sharedLock.Exit(); // still held once
        children.Add(WorkerProcess.Start(IpcPrimitiveWork.TryRLock, sharedLock, 200, taken)).Join();
        Assert.False(taken.Get());

        sharedLock.Exit();
        children.Add(WorkerProcess.Start(IpcPrimitiveWork.TryRLock, sharedLock, 10_000, taken)).Join();
        Assert.True(taken.Get());
    });

    [Fact]
    public Task A_bounded_semaphore_admits_at_most_its_count_of_processes_and_refuses_an_extra_release() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessSemaphore semaphore = new(2, maximumCount: 2);
        using SharedValue<int> inside = new(0, withLock: false);
        using SharedValue<int> mostInside = new(0);

        WorkerProcess[] workers = [.. Enumerable.Range(0, 5).Select(_ => children.Add(WorkerProcess.Start(IpcPrimitiveWork.EnterSemaphore, semaphore, inside, mostInside)))];
        Assert.All(workers, w => Assert.True(w.Join(TimeSpan.FromSeconds(30))));
        Assert.All(workers, w => Assert.Equal(0, w.ExitCode));

        output.WriteLine($"most processes inside at once: {mostInside.Value}");
        Assert.InRange(mostInside.Value, 1, 2);
        Assert.Equal(0, inside.Value);
        Assert.Equal(2, semaphore.CurrentCount);
        Assert.Throws<SemaphoreFullException>(() => semaphore.Release());

        Assert.True(semaphore.Wait(TimeSpan.Zero));
        Assert.True(semaphore.Wait(TimeSpan.Zero));
        Stopwatch watch = Stopwatch.StartNew();
        Assert.False(semaphore.Wait(TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190));
        semaphore.Release(2);
    });

    [Fact]
    public Task A_condition_wakes_a_process_waiting_for_shared_state() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessCondition condition = new();
        using SharedValue<int> state = new(0, withLock: false);
        using ProcessQueue<int> log = new();
        WorkerProcess waiter = children.Add(WorkerProcess.Start(IpcPrimitiveWork.WaitForState, condition, state, log));

        Assert.Equal(0, log.Get(TimeSpan.FromSeconds(30))); // the child holds the lock or is already waiting
        Assert.False(log.TryGet(out _, TimeSpan.FromMilliseconds(200)));
        condition.Enter(); // only possible once the child waits (Wait releases the lock)
        state.Value = 42;
        condition.NotifyAll();
        condition.Exit();

        Assert.Equal(42, log.Get(TimeSpan.FromSeconds(30)));
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, waiter.ExitCode);
    });

    [Fact]
    public Task A_condition_wait_times_out_holding_the_lock_again() => Deadline.Run(() =>
    {
        using ProcessCondition condition = new();
        condition.Enter();
        Stopwatch watch = Stopwatch.StartNew();
        Assert.False(condition.Wait(TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190));
        condition.NotifyAll();
        condition.Exit();
    });

    [Fact]
    public Task Async_put_and_get_wait_for_another_process_and_honour_cancellation() => Deadline.Run(async () =>
    {
        using Children children = new();
        using ProcessQueue<int> queue = new(maxSize: 1);
        using ProcessQueue<int> relayed = new();

        using (CancellationTokenSource soon = new(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.GetAsync(soon.Token));
        }

        Task<int> get = queue.GetAsync();
        Assert.False(get.IsCompleted);
        children.Add(WorkerProcess.Start(IpcPrimitiveWork.PutOne, queue, 7));
        Assert.Equal(7, await get.WaitAsync(TimeSpan.FromSeconds(30)));

        await queue.PutAsync(1);
        using (CancellationTokenSource soon = new(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.PutAsync(2, soon.Token));
        }

        Task put = queue.PutAsync(2);
        Assert.False(put.IsCompleted);
        WorkerProcess relay = children.Add(WorkerProcess.Start(IpcPrimitiveWork.Relay, queue, relayed, 2));
        await put.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(relay.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal([1, 2], new[] { relayed.Get(), relayed.Get() });
        Assert.True(queue.IsEmpty);
    });

    [Fact]
    public Task A_hundred_pending_GetAsync_calls_block_no_thread_each_and_all_complete_when_another_process_puts() => Deadline.Run(async () =>
    {
        using Children children = new();
        using ProcessQueue<int> queue = new();
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        Task<int>[] gets = [.. Enumerable.Range(0, 101).Select(_ => queue.GetAsync())];
        await Task.Delay(300);
        int threadsWaiting = Process.GetCurrentProcess().Threads.Count;
        long queuedWork = ThreadPool.PendingWorkItemCount; // a blocking implementation leaves most of the 101 queued here
        Assert.DoesNotContain(gets, g => g.IsCompleted);

        children.Add(WorkerProcess.Start(IpcWork.Produce, queue, 100)); // 0..99, then -1
        int[] items = await Task.WhenAll(gets).WaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine($"threads: {threadsBefore} before, {threadsWaiting} with 101 GetAsync calls pending; {queuedWork} thread-pool items queued");
        Assert.Equal([-1, .. Enumerable.Range(0, 100)], items.Order());
        Assert.True(threadsWaiting - threadsBefore < 20, $"{threadsWaiting - threadsBefore} more threads");
        Assert.True(queuedWork < 50, $"{queuedWork} thread-pool items queued");
    });

    [Fact]
    public Task Disposing_a_queue_fails_its_pending_async_calls_with_ObjectDisposedException() => Deadline.Run(async () =>
    {
        ProcessQueue<int> queue = new();
        Task<int> get = queue.GetAsync();
        await Task.Delay(100);
        Assert.False(get.IsCompleted);
        queue.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => get);
    });

    [Fact]
    public Task After_the_manager_is_disposed_its_proxies_throw_IOException_in_workers_and_in_the_parent() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        ProcessManager manager = new();
        using ManagedDictionary<string, int> seen = manager.Dictionary<string, int>();
        using ManagedList<string> log = manager.List<string>();
        Assert.Equal(1, await test.Pool.ApplyAsync(IpcWork.RecordInManager, seen, log, 1));
        string directory = Path.GetDirectoryName(manager.SocketPath)!;

        manager.Dispose();

        Assert.False(Directory.Exists(directory));
        Assert.ThrowsAny<IOException>(() => seen["item1"]);
        RemoteTaskException remote = await Assert.ThrowsAsync<RemoteTaskException>(async () => await test.Pool.ApplyAsync(IpcWork.RecordInManager, seen, log, 2));
        output.WriteLine($"{remote.RemoteTypeName}: {remote.Message}");
        Assert.Contains("IOException", remote.RemoteTypeName);
    });

    [Fact]
    public Task Only_the_thread_holding_a_lock_can_exit_it() => Deadline.Run(() =>
    {
        using ProcessLock sharedLock = new();
        using ProcessRLock reentrant = new();
        using ProcessCondition condition = new();
        Assert.Throws<SynchronizationLockException>(sharedLock.Exit);
        Assert.Throws<SynchronizationLockException>(reentrant.Exit);
        Assert.Throws<SynchronizationLockException>(condition.Exit);
        Assert.Throws<SynchronizationLockException>(() => condition.Wait(TimeSpan.FromMilliseconds(10)));

        sharedLock.Enter();
        Assert.IsType<SynchronizationLockException>(OnAnotherThread(() => Record.Exception(sharedLock.Exit)));
        Assert.False(OnAnotherThread(() => sharedLock.TryEnter(TimeSpan.Zero))); // still held
        sharedLock.Exit();
        Assert.True(OnAnotherThread(() =>
        {
            bool taken = sharedLock.TryEnter(TimeSpan.Zero);
            sharedLock.Exit();
            return taken;
        }));
    });

    /// <summary>Runs <paramref name="body"/> on a new thread (a task could run inline on this one).</summary>
    private static TResult OnAnotherThread<TResult>(Func<TResult> body)
    {
        TResult result = default!;
        Thread thread = new(() => result = body());
        thread.Start();
        thread.Join();
        return result;
    }

    [Fact]
    public Task Segments_left_by_a_dead_process_are_removed_when_another_process_first_creates_a_shared_object() => Deadline.Run(() =>
    {
        using Children children = new();
        using Process exited = Process.Start("true")!;
        exited.WaitForExit();
        string stale = $"/dev/shm/pg-{exited.Id}-00000000deadbeef";
        string live = $"/dev/shm/pg-{Environment.ProcessId}-00000000cafebabe";
        File.WriteAllBytes(stale, new byte[16]);
        File.WriteAllBytes(live, new byte[16]);
        try
        {
            WorkerProcess sweeper = children.Add(WorkerProcess.Start(IpcPrimitiveWork.CreateSharedObject));
            Assert.True(sweeper.Join(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, sweeper.ExitCode);

            Assert.False(File.Exists(stale), "the dead process's segment is still there");
            Assert.True(File.Exists(live), "a live process's segment was removed");
        }
        finally
        {
            File.Delete(stale);
            File.Delete(live);
        }
    });

    [Fact]
    public Task A_barrier_wait_alone_times_out_and_breaks_it_then_after_Reset_two_processes_pass_it() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessBarrier barrier = new(2);
        Stopwatch watch = Stopwatch.StartNew();
        BrokenBarrierException broken = Assert.Throws<BrokenBarrierException>(() => barrier.SignalAndWait(TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190));
        Assert.IsType<TimeoutException>(broken.InnerException);
        Assert.True(barrier.IsBroken);
        Assert.Throws<BrokenBarrierException>(() => barrier.SignalAndWait(TimeSpan.FromSeconds(5)));

        barrier.Reset();
        Assert.False(barrier.IsBroken);
        WorkerProcess other = children.Add(WorkerProcess.Start(IpcPrimitiveWork.MeetAtBarrier, barrier));
        int index = barrier.SignalAndWait(TimeSpan.FromSeconds(30));
        Assert.True(other.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, other.ExitCode);
        Assert.InRange(index, 0, 1);
    });

    [Fact]
    public Task An_event_wait_times_out_while_not_set_and_returns_at_once_when_set() => Deadline.Run(() =>
    {
        using ProcessEvent signal = new();
        Stopwatch watch = Stopwatch.StartNew();
        Assert.False(signal.Wait(TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190));
        signal.Set();
        Assert.True(signal.IsSet);
        Assert.True(signal.Wait(TimeSpan.Zero));
        signal.Clear();
        Assert.False(signal.Wait(TimeSpan.Zero));
    });

    [Fact]
    public Task A_pipe_end_whose_process_is_killed_gives_end_of_stream_to_a_receiver_and_a_broken_pipe_to_a_sender() => Deadline.Run(() =>
    {
        using Children children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>(capacityBytes: 256);
        using PipeConnection<string> mineEnd = mine;
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.EchoUpper, theirs));
        theirs.Close(); // the child is now the only holder of its end
        mine.Send("hello");
        Assert.Equal("HELLO", mine.Receive(TimeSpan.FromSeconds(30))); // the child now holds its end

        Task<string> waiting = Task.Run(() => mine.Receive(TimeSpan.FromSeconds(20)));
        Thread.Sleep(200);
        Assert.False(waiting.IsCompleted);
        Stopwatch watch = Stopwatch.StartNew();
        child.Kill(); // no chance to close its end
        Assert.Throws<EndOfStreamException>(() => waiting.GetAwaiter().GetResult());
        TimeSpan noticed = watch.Elapsed;
        Assert.True(child.Join(TimeSpan.FromSeconds(10)));
        Assert.True(mine.Poll(TimeSpan.FromSeconds(10)));
        Assert.Throws<EndOfStreamException>(() => mine.Receive(TimeSpan.FromSeconds(10)));

        // As Python's BrokenPipeError: at once, not only once the buffer is full.
        Assert.Throws<IOException>(() => mine.Send("a message nobody will read"));

        output.WriteLine($"a waiting receiver noticed the killed writer after {noticed.TotalMilliseconds:F0} ms");
        Assert.True(noticed < TimeSpan.FromSeconds(2), $"noticed after {noticed}");
    });

    [Fact]
    public Task A_pipe_receive_still_times_out_while_the_other_process_lives() => Deadline.Run(() =>
    {
        using Children children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        using PipeConnection<string> mineEnd = mine;
        using PipeConnection<string> theirEnd = theirs;
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.EchoUpper, theirs));
        mine.Send("ready?");
        Assert.Equal("READY?", mine.Receive(TimeSpan.FromSeconds(30)));

        Stopwatch watch = Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => mine.Receive(TimeSpan.FromMilliseconds(350)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(340), TimeSpan.FromSeconds(5));
        Assert.False(mine.Poll(TimeSpan.FromMilliseconds(150)));
        Assert.True(child.IsAlive);
    });

    [Fact]
    public Task An_item_larger_than_the_ring_travels_in_its_own_segment_which_outlives_the_putter_and_is_removed_by_the_getter() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessQueue<byte[]> queue = new(capacityBytes: 64 * 1024);
        Assert.Empty(ItemSegments());

        WorkerProcess putter = children.Add(WorkerProcess.Start(IpcPrimitiveWork.PutLarge, queue, 5_000_000, 7));
        Assert.True(putter.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, putter.ExitCode);
        Assert.Equal(1, queue.Count);
        Assert.Single(ItemSegments()); // named after this process, the queue's creator, so it outlived the putter

        byte[] expected = new byte[5_000_000];
        new Random(7).NextBytes(expected);
        Assert.Equal(expected, queue.Get(TimeSpan.FromSeconds(10)));
        Assert.Empty(ItemSegments());

        byte[] small = [1, 2, 3];
        queue.Put(expected);
        queue.Put(small);
        Assert.Equal(expected, queue.Get());
        Assert.Equal(small, queue.Get());
        Assert.Empty(ItemSegments());
    });

    /// <summary>This process's segments the size of the test's 5 MB item (other tests run alongside and make their own).</summary>
    private static string[] ItemSegments() =>
        [.. Directory.EnumerateFiles("/dev/shm", $"pg-{Environment.ProcessId}-*").Where(f => new FileInfo(f).Length is > 5_000_000 and < 5_000_100)];

    [Fact]
    public void A_one_way_pipe_carries_messages_from_its_second_end_to_its_first_only()
    {
        (PipeConnection<int> reader, PipeConnection<int> writer) = ProcessPipe.Create<int>(duplex: false);
        using PipeConnection<int> readerEnd = reader;
        using PipeConnection<int> writerEnd = writer;

        writer.Send(5);

        Assert.Equal(5, reader.Receive(TimeSpan.FromSeconds(5)));
        Assert.False(reader.CanSend);
        Assert.False(writer.CanReceive);
        Assert.Throws<InvalidOperationException>(() => reader.Send(1));
        Assert.Throws<InvalidOperationException>(() => writer.Receive());
        Assert.Throws<InvalidOperationException>(() => writer.Poll(TimeSpan.Zero));
    }

    [Fact]
    public void Joining_a_joinable_queue_times_out_while_an_item_is_undone_and_one_TaskDone_too_many_throws()
    {
        using JoinableProcessQueue<int> queue = new();
        queue.Put(1);
        Assert.False(queue.Join(TimeSpan.FromMilliseconds(100)));

        Assert.Equal(1, queue.Get(TimeSpan.FromSeconds(5)));
        Assert.False(queue.Join(TimeSpan.FromMilliseconds(50))); // taken is not done
        queue.TaskDone();

        Assert.True(queue.Join(TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => queue.TaskDone());
    }
}
