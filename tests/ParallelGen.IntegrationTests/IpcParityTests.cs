using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>Closed queues, Condition.notify(n) and wait_for, and manager proxies inside proxies, as Python users expect them.</summary>
public sealed class IpcParityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_put_after_Close_throws_InvalidOperationException_saying_the_queue_is_closed()
    {
        using ProcessQueue<int> queue = new();
        queue.Close();
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => queue.Put(1));
        output.WriteLine(e.Message);
        Assert.Contains("closed", e.Message);
        Assert.Throws<InvalidOperationException>(() => queue.TryPut(1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.PutAsync(1));
    }

    [Fact]
    public Task An_item_that_is_there_is_taken_even_while_another_thread_holds_the_queue_s_lock_for_a_moment() => Deadline.Run(async () =>
    {
        // The queue's lock is only ever held for a moment (to copy a record, or to look before waiting), by any process
        // that uses the queue. A get without waiting, and an async get, must wait for that moment, not report the queue
        // empty: an async get that did so then waited for a change that never came, with the item in the queue (seen
        // under Wine, where taking the lock is slow, with 20 async getters and a producer blocked on a full queue).
        using ProcessQueue<int> queue = new(maxSize: 1);
        Platform.SyncCell cell = Ipc.QueueRing.Of(queue.Memory).Cell;

        queue.Put(7);
        Task holder = HoldFor100Milliseconds(cell);
        Assert.True(queue.TryGet(out int item), "TryGet reported an empty queue while its lock was held");
        Assert.Equal(7, item);
        await holder;

        queue.Put(8);
        holder = HoldFor100Milliseconds(cell);
        Task<int> get = queue.GetAsync();
        await holder;
        Assert.Equal(8, await get.WaitAsync(TimeSpan.FromSeconds(10)));

        // Takes the lock on a thread of its own and returns once it holds it; lets it go 100 ms later.
        static Task HoldFor100Milliseconds(Platform.SyncCell cell)
        {
            TaskCompletionSource held = new();
            Task holding = Task.Factory.StartNew(
                () =>
                {
                    cell.Lock();
                    held.SetResult();
                    Thread.Sleep(100);
                    cell.Unlock();
                },
                TaskCreationOptions.LongRunning);
            held.Task.Wait();
            return holding;
        }
    });

    [Fact]
    public Task A_get_on_a_closed_queue_throws_at_once_and_one_waiting_when_it_is_closed_wakes_and_throws() => Deadline.Run(async () =>
    {
        using ProcessQueue<int> queue = new();
        using ProcessQueue<int> other = new();
        Task<int> waiting = Task.Run(() => queue.Get());
        Task<int> waitingAsync = queue.GetAsync();
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);

        queue.Close();
        await Assert.ThrowsAsync<InvalidOperationException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => waitingAsync.WaitAsync(TimeSpan.FromSeconds(5)));
        Stopwatch watch = Stopwatch.StartNew();
        Assert.Throws<InvalidOperationException>(() => queue.Get());
        Assert.Throws<InvalidOperationException>(() => queue.TryGet(out _));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1));
        queue.Close(); // again: nothing
    });

    [Fact]
    public Task Closing_a_queue_in_a_task_closes_only_that_tasks_object_not_the_next_tasks_in_the_same_worker_nor_the_parents() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        using ProcessQueue<int> queue = new();
        int first = await test.Pool.ApplyAsync(IpcParityWork.PutAndClose, queue, 1);
        int second = await test.Pool.ApplyAsync(IpcParityWork.PutAndClose, queue, 2);
        Assert.Equal(first, second); // the same worker received the same queue twice
        Assert.Equal([1, 2], new[] { queue.Get(TimeSpan.FromSeconds(5)), queue.Get(TimeSpan.FromSeconds(5)) });
        queue.Put(3);
        Assert.Equal(3, queue.Get());
    });

    [Fact]
    public Task Notify_n_wakes_n_of_the_waiting_processes() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessCondition condition = new();
        using ProcessQueue<string> log = new();
        for (int i = 0; i < 4; i++)
        {
            children.Add(WorkerProcess.Start(IpcParityWork.WaitOnceOnCondition, condition, log));
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("waiting", log.Get(TimeSpan.FromSeconds(30)));
        }

        // Each child put "waiting" holding the lock; once the parent gets it, that child is inside Wait.
        for (int i = 0; i < 4; i++)
        {
            condition.Enter();
            condition.Exit();
        }

        condition.Enter();
        condition.Notify(2);
        condition.Exit();
        Assert.Equal("woken", log.Get(TimeSpan.FromSeconds(10)));
        Assert.Equal("woken", log.Get(TimeSpan.FromSeconds(10)));
        Assert.False(log.TryGet(out string? extra, TimeSpan.FromMilliseconds(500)), $"a third process woke: {extra}");

        condition.Enter();
        condition.NotifyAll();
        condition.Exit();
        Assert.Equal("woken", log.Get(TimeSpan.FromSeconds(10)));
        Assert.Equal("woken", log.Get(TimeSpan.FromSeconds(10)));
    });

    [Fact]
    public Task WaitFor_returns_once_the_predicate_holds_in_another_process_and_false_when_its_timeout_ends_first() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessCondition condition = new();
        using SharedValue<int> state = new(0, withLock: false);
        using ProcessQueue<int> log = new();
        WorkerProcess waiter = children.Add(WorkerProcess.Start(IpcParityWork.WaitForState, condition, state, 3, log));
        Assert.Equal(-1, log.Get(TimeSpan.FromSeconds(30)));
        for (int i = 1; i <= 3; i++)
        {
            condition.Enter();
            state.Value = i;
            condition.NotifyAll(); // the first two wake the waiter for nothing: WaitFor keeps waiting
            condition.Exit();
            Thread.Sleep(50);
        }

        Assert.Equal(3, log.Get(TimeSpan.FromSeconds(10)));
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));

        condition.Enter();
        Stopwatch watch = Stopwatch.StartNew();
        Assert.False(condition.WaitFor(() => state.Value > 10, TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190));
        Assert.True(condition.WaitFor(() => state.Value == 3, TimeSpan.Zero));
        condition.Exit();
    });

    [Fact]
    public Task A_list_in_a_dictionary_and_a_dictionary_in_a_list_work_through_pool_workers() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        using ProcessManager manager = new();
        using ManagedDictionary<string, ManagedList<long>> lists = manager.Dictionary<string, ManagedList<long>>();
        lists["a"] = manager.List<long>();
        Assert.Equal(1, await test.Pool.ApplyAsync(IpcParityWork.AddToNestedList, lists, "a", 5L));
        Assert.Equal([5L], lists["a"].ToList());

        await test.Pool.ApplyAsync(IpcParityWork.StoreNewListFromWorker, lists, manager.List<long>(), "b");
        Assert.Equal([(long)test.Pool.WorkerPids[0]], lists["b"].ToList());

        using ManagedList<ManagedDictionary<string, short>> dictionaries = manager.List<ManagedDictionary<string, short>>();
        dictionaries.Add(manager.Dictionary<string, short>());
        Assert.Equal(1, await test.Pool.ApplyAsync(IpcParityWork.SetInNestedDictionary, dictionaries, 0, "k", (short)3));
        Assert.Equal(3, dictionaries[0]["k"]);
    });

    [Fact]
    public void Nested_proxies_of_types_no_task_mentions_work_in_the_parent_alone()
    {
        using ProcessManager manager = new();
        using ManagedDictionary<string, ManagedList<sbyte>> lists = manager.Dictionary<string, ManagedList<sbyte>>();
        lists["a"] = manager.List<sbyte>();
        lists["a"].Add(1);
        Assert.Equal([(sbyte)1], lists["a"].ToList());

        using ManagedList<ManagedDictionary<ushort, ProcessQueue<decimal>>> deep = manager.List<ManagedDictionary<ushort, ProcessQueue<decimal>>>();
        using ProcessQueue<decimal> queue = new();
        deep.Add(manager.Dictionary<ushort, ProcessQueue<decimal>>());
        deep[0][7] = queue;
        deep[0][7].Put(1.5m);
        Assert.Equal(1.5m, queue.Get(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public Task A_proxy_carried_in_a_record_field_works_in_a_worker() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        using ProcessManager manager = new();
        using ManagedList<byte[]> log = manager.List<byte[]>();
        Assert.Equal(1, await test.Pool.ApplyAsync(IpcParityWork.AppendToLogInRecord, new JobWithLog("job", log)));
        Assert.Equal("job"u8.ToArray(), log[0]);
    });
}
