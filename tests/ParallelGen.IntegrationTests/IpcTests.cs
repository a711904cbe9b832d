using System.Diagnostics;
using MemoryPack;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>The classic multiprocessing tutorial programs, ported, asserting on what they observably do.</summary>
public sealed class IpcTests(ITestOutputHelper output)
{
    [Fact]
    public Task Endless_loops_in_parent_and_child_interleave_and_the_child_is_terminated_cleanly() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessQueue<string> log = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.Ticker, log));

        // Both loops run from the child's first tick on, however long the child took to start.
        List<string> entries = [log.Get(TimeSpan.FromSeconds(30))];
        Stopwatch watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMilliseconds(600))
        {
            log.Put("parent");
            Thread.Sleep(20);
        }

        child.Terminate();
        Assert.True(child.Join(TimeSpan.FromSeconds(10)));
        Assert.False(child.IsAlive);
        Assert.Equal(-15, child.ExitCode);

        while (log.TryGet(out string? entry))
        {
            entries.Add(entry);
        }

        string pattern = string.Concat(entries.Select(e => e[0]));
        output.WriteLine(pattern);
        Assert.Contains("pc", pattern);
        Assert.Contains("cp", pattern);
    });

    [Fact]
    public Task A_child_reports_its_own_pid_and_its_parents_and_they_differ() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessQueue<int[]> pids = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.ReportPids, pids));
        int[] reported = pids.Get(TimeSpan.FromSeconds(30));
        child.Join();

        Assert.Equal(child.Pid, reported[0]);
        Assert.Equal(Environment.ProcessId, reported[1]);
        Assert.NotEqual(reported[0], reported[1]);
        Assert.Equal(0, child.ExitCode);
        Assert.Matches("^WorkerProcess-[0-9]+$", child.Name);
    });

    [Fact]
    public Task A_process_receives_positional_and_named_arguments() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessQueue<string> replies = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(
            IpcWork.Greet, "ann", 2, new Greeting(Punctuation: "!", Upper: true), replies, options: new WorkerProcessOptions { Name = "greeter" }));

        Assert.Equal("HELLO ANN! HELLO ANN!", replies.Get(TimeSpan.FromSeconds(30)));
        child.Join();
        Assert.Equal("greeter", child.Name);
    });

    [Fact]
    public Task A_static_list_appended_to_in_one_child_is_unchanged_in_the_parent_and_a_second_child() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessQueue<int> counts = new();
        children.Add(WorkerProcess.Start(IpcWork.AppendToStaticList, 1, counts)).Join();
        children.Add(WorkerProcess.Start(IpcWork.AppendToStaticList, 2, counts)).Join();

        Assert.Equal(1, counts.Get());
        Assert.Equal(1, counts.Get());
        Assert.Equal(0, IpcWork.StaticListCount);
    });

    [Fact]
    public Task A_queue_of_max_size_3_blocks_the_fourth_put_until_its_timeout_and_drains_in_order() => Deadline.Run(() =>
    {
        using ProcessQueue<int> queue = new(maxSize: 3);
        queue.Put(1);
        queue.Put(2);
        queue.Put(3);
        Assert.True(queue.IsFull);
        Assert.Equal(3, queue.Count);

        Stopwatch watch = Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => queue.Put(4, TimeSpan.FromSeconds(2)));
        TimeSpan blocked = watch.Elapsed;
        watch.Restart();
        Assert.False(queue.TryPut(4));
        TimeSpan immediate = watch.Elapsed;

        output.WriteLine($"the fourth Put gave up after {blocked.TotalMilliseconds:F0} ms; TryPut after {immediate.TotalMilliseconds:F2} ms");
        Assert.InRange(blocked, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(5));
        Assert.True(immediate < TimeSpan.FromMilliseconds(100));
        Assert.Equal([1, 2, 3], new[] { queue.Get(), queue.Get(), queue.Get() });
        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryGet(out _));
    });

    [Fact]
    public Task A_writer_process_and_a_reader_process_exchange_items_through_a_queue() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessQueue<int> queue = new(maxSize: 16);
        using ProcessQueue<long> result = new();
        WorkerProcess reader = children.Add(WorkerProcess.Start(IpcWork.Consume, queue, result));
        WorkerProcess writer = children.Add(WorkerProcess.Start(IpcWork.Produce, queue, 10_000));

        Assert.Equal(Enumerable.Range(0, 10_000).Sum(x => (long)x), result.Get(TimeSpan.FromSeconds(30)));
        writer.Join();
        reader.Join();
        Assert.Equal(0, writer.ExitCode);
        Assert.Equal(0, reader.ExitCode);
    });

    [Fact]
    public Task Pool_workers_share_a_manager_queue_a_writer_task_and_a_reader_task() => Deadline.Run(async () =>
    {
        // Python needs Manager().Queue() here because a plain Queue cannot be pickled to pool workers; in ParallelGen
        // the manager's queue is a ProcessQueue, which any queue passed as an argument also is.
        using TestPool test = new(processes: 2);
        await test.Pool.WaitForWorkersAsync();
        using ProcessManager manager = new();
        using ProcessQueue<int> queue = manager.Queue<int>(maxSize: 8);
        using ProcessQueue<long> result = new();

        AsyncResult<long> reader = test.Pool.ApplyAsync(IpcWork.Consume, queue, result);
        AsyncResult writer = test.Pool.ApplyAsync(IpcWork.Produce, queue, 1000);

        await writer;
        Assert.Equal(Enumerable.Range(0, 1000).Sum(x => (long)x), await reader);
        Assert.Equal(await reader, result.Get());
    });

    [Fact]
    public Task Three_producer_and_three_consumer_processes_share_one_queue_with_nothing_lost_or_taken_twice() => Deadline.Run(() =>
    {
        const int PerProducer = 5_000;
        using Children children = new();
        using ProcessQueue<int> queue = new(maxSize: 16);
        using SharedArray<int> seen = new(3 * PerProducer);
        WorkerProcess[] producers = [.. Enumerable.Range(0, 3).Select(p => children.Add(WorkerProcess.Start(IpcWork.ProduceRange, queue, p * PerProducer, PerProducer)))];
        WorkerProcess[] consumers = [.. Enumerable.Range(0, 3).Select(_ => children.Add(WorkerProcess.Start(IpcWork.ConsumeInto, queue, seen)))];

        Assert.All(producers, p => Assert.True(p.Join(TimeSpan.FromSeconds(30))));
        Assert.All(producers, p => Assert.Equal(0, p.ExitCode));
        for (int i = 0; i < consumers.Length; i++)
        {
            queue.Put(-1);
        }

        Assert.All(consumers, c => Assert.True(c.Join(TimeSpan.FromSeconds(30))));
        Assert.All(consumers, c => Assert.Equal(0, c.ExitCode));
        int[] times = [.. Enumerable.Range(0, seen.Length).Select(i => seen[i])];
        Assert.All(times, t => Assert.Equal(1, t));
        Assert.True(queue.IsEmpty);
    });

    [Fact]
    public Task A_multi_process_folder_copier_reports_progress_through_a_queue_until_100_percent() => Deadline.Run(async () =>
    {
        string root = Directory.CreateTempSubdirectory("parallelgen-copy-").FullName;
        try
        {
            string source = Directory.CreateDirectory(Path.Combine(root, "source")).FullName;
            string target = Directory.CreateDirectory(Path.Combine(root, "target")).FullName;
            long total = 0;
            for (int i = 0; i < 60; i++)
            {
                byte[] data = new byte[Random.Shared.Next(1000, 50_000)];
                Random.Shared.NextBytes(data);
                File.WriteAllBytes(Path.Combine(source, $"f{i}.bin"), data);
                total += data.Length;
            }

            using TestPool test = new(processes: 2);
            using ProcessQueue<long> progress = new();
            (string, string, ProcessQueue<long>)[] jobs = [.. Directory.GetFiles(source).Select(f => (f, Path.Combine(target, Path.GetFileName(f)), progress))];
            Task<long[]> copy = test.Pool.StarmapAsync(IpcWork.CopyFile, jobs, chunkSize: 3);

            long copied = 0;
            List<double> percents = [];
            while (copied < total)
            {
                copied += progress.Get(TimeSpan.FromSeconds(30));
                percents.Add(100.0 * copied / total);
            }

            await copy;
            output.WriteLine($"progress: {string.Join(" ", percents.Select(p => p.ToString("F0")))}");
            Assert.Equal(100.0, percents[^1]);
            Assert.Equal(jobs.Length, percents.Count);
            Assert.All(jobs, job => Assert.Equal(File.ReadAllBytes(job.Item1), File.ReadAllBytes(job.Item2)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    });

    [Fact]
    public Task Four_processes_incrementing_a_shared_value_under_a_lock_end_at_exactly_40000() => Deadline.Run(() =>
    {
        using Children children = new();
        using SharedValue<int> counter = new(0);
        using ProcessBarrier start = new(4);
        WorkerProcess[] workers = [.. Enumerable.Range(0, 4).Select(_ => children.Add(WorkerProcess.Start(IpcWork.Increment, counter, start, 10_000)))];
        foreach (WorkerProcess worker in workers)
        {
            worker.Join();
            Assert.Equal(0, worker.ExitCode);
        }

        Assert.Equal(40_000, counter.Value);
    });

    [Fact]
    public Task An_event_set_in_the_parent_releases_the_waiting_children() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessEvent go = new();
        using ProcessQueue<string> log = new();
        WorkerProcess[] waiting = [.. Enumerable.Range(0, 3).Select(_ => children.Add(WorkerProcess.Start(IpcWork.WaitForEvent, go, log)))];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("waiting", log.Get(TimeSpan.FromSeconds(30)));
        }

        Assert.False(log.TryGet(out _, TimeSpan.FromMilliseconds(300)));
        Assert.All(waiting, p => Assert.True(p.IsAlive));

        go.Set();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("released", log.Get(TimeSpan.FromSeconds(30)));
        }

        Assert.All(waiting, p => Assert.True(p.Join(TimeSpan.FromSeconds(10))));
    });

    [Fact]
    public Task Three_processes_meet_at_a_barrier() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessBarrier barrier = new(3);
        using ProcessQueue<long> times = new();
        WorkerProcess[] parties = [.. Enumerable.Range(0, 3).Select(_ => children.Add(WorkerProcess.Start(IpcWork.MeetAtBarrier, barrier, times)))];
        long[] stamps = [.. Enumerable.Range(0, 6).Select(_ => times.Get(TimeSpan.FromSeconds(30)))];
        Assert.All(parties, p => Assert.True(p.Join(TimeSpan.FromSeconds(10))));

        long lastArrival = stamps.Where(s => s > 0).Max();
        long firstDeparture = stamps.Where(s => s < 0).Select(s => -s).Min();
        Assert.True(firstDeparture >= lastArrival, "a process left the barrier before the last one arrived");
    });

    [Fact]
    public Task A_64_MiB_shared_array_is_handed_to_a_task_without_copying() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        using SharedArray<float> array = new(16 * 1024 * 1024);
        byte[] wire = MemoryPackSerializer.Serialize(array);

        Assert.Equal(array.Length, test.Pool.Apply(IpcWork.Fill, array, 1.5f));

        output.WriteLine($"a {array.Length * 4 / 1024 / 1024} MiB SharedArray<float> crosses as {wire.Length} bytes");
        Assert.True(wire.Length < 100);
        Assert.Equal(1.5f, array[0]);
        Assert.Equal(1.5f, array[array.Length - 1]);
    });

    [Fact]
    public Task A_pipe_carries_messages_both_ways_and_closing_the_last_end_gives_the_other_side_EndOfStreamException() => Deadline.Run(() =>
    {
        using Children children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        using PipeConnection<string> mineEnd = mine;
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.EchoUpper, theirs));
        theirs.Close(); // Python's idiom: the parent closes its copy of the child's end; the child holds its own

        foreach (string word in new[] { "a", "bc", "def" })
        {
            mine.Send(word);
        }

        Assert.True(mine.Poll(TimeSpan.FromSeconds(30)));
        Assert.Equal(["A", "BC", "DEF"], new[] { mine.Receive(), mine.Receive(), mine.Receive() });
        mine.Close(); // nobody holds this end now: the child's Receive throws EndOfStreamException, and it returns
        Assert.True(child.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, child.ExitCode);
        Assert.Throws<ObjectDisposedException>(() => mine.Receive(TimeSpan.FromSeconds(5)));
    });

    [Fact]
    public Task A_lock_held_by_a_process_that_dies_is_recovered_by_the_next_one() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessLock sharedLock = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.HoldLockAndDie, sharedLock));
        child.Join();
        Assert.Equal(3, child.ExitCode);

        Assert.Throws<AbandonedMutexException>(() => sharedLock.Enter());
        sharedLock.Exit();
        Assert.True(sharedLock.TryEnter(TimeSpan.FromSeconds(1)));
        sharedLock.Exit();
    });

    [Fact]
    public Task Locks_held_by_a_process_killed_with_SIGKILL_are_recovered_too() => Deadline.Run(async () =>
    {
        using Children children = new();
        using ProcessLock plain = new();
        using ProcessRLock reentrant = new();
        using ProcessEvent holding = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.HoldLocksUntilKilled, plain, reentrant, holding));
        Assert.True(holding.Wait(TimeSpan.FromSeconds(30)));
        Assert.False(plain.TryEnter(TimeSpan.FromMilliseconds(100)));

        child.Kill();
        Assert.True(child.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(-9, child.ExitCode);

        // Each next owner hears of the death once, holding the lock; the re-entrant lock held twice needs one Exit.
        Assert.Throws<AbandonedMutexException>(() => plain.Enter());
        plain.Exit();
        Assert.Throws<AbandonedMutexException>(() => reentrant.Enter());
        reentrant.Exit();
        Assert.True(await Task.Run(() => TakeAndRelease(plain.TryEnter, plain.Exit)));
        Assert.True(await Task.Run(() => TakeAndRelease(reentrant.TryEnter, reentrant.Exit)));

        static bool TakeAndRelease(Func<TimeSpan, bool> tryEnter, Action exit)
        {
            if (!tryEnter(TimeSpan.FromSeconds(1)))
            {
                return false;
            }

            exit();
            return true;
        }
    });

    [Fact]
    public Task A_joinable_queue_is_joined_once_every_item_is_done() => Deadline.Run(() =>
    {
        using Children children = new();
        using JoinableProcessQueue<int> queue = new();
        using ProcessQueue<int> done = new();
        for (int i = 1; i <= 20; i++)
        {
            queue.Put(i);
        }

        children.Add(WorkerProcess.Start(IpcWork.WorkThrough, queue, done));
        Assert.True(queue.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(20, done.Count);
    });

    [Fact]
    public Task A_manager_serves_a_dictionary_and_a_list_that_pool_workers_all_update() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 2);
        using ProcessManager manager = new();
        using ManagedDictionary<string, int> seen = manager.Dictionary<string, int>();
        using ManagedList<string> log = manager.List<string>();

        int[] done = await test.Pool.StarmapAsync(IpcWork.RecordInManager, Enumerable.Range(0, 40).Select(i => (seen, log, i)), chunkSize: 2);

        Assert.Equal(40, done.Length);
        Assert.Equal(40, seen.Count);
        Assert.Equal(40, log.Count);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"item{i}").Order(), log.ToList().Order());
        Dictionary<string, int> copy = seen.ToDictionary();
        Assert.All(copy.Values, pid => Assert.Contains(pid, test.Pool.WorkerPids));
        Assert.DoesNotContain(Environment.ProcessId, copy.Values);
        Assert.Equal(copy["item7"], seen["item7"]);
        Assert.True(seen.Remove("item7"));
        Assert.False(seen.ContainsKey("item7"));
    });

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_manager_hangs_up_on_a_connection_without_its_secret()
    {
        using ProcessManager manager = new();
        using System.Net.Sockets.Socket socket = new(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(manager.SocketPath));
        socket.ReceiveTimeout = 5000;
        try
        {
            socket.Send(new byte[32]); // a wrong secret
            socket.Send([9, 0, 0, 0, 1, 0, 0, 0, 4]); // then a request, which may already hit the closed connection
            Assert.Equal(0, socket.Receive(new byte[16])); // closed without an answer
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.Shutdown)
        {
            // Also a hang-up: the manager closed the connection before or while we wrote.
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(manager.SocketPath)!));
    }

    [Fact]
    public void Disposing_a_shared_object_in_its_creator_removes_its_segment()
    {
        ProcessQueue<int> queue = new();
        string path = "/dev/shm" + queue.Name;
        Assert.True(File.Exists(path));
        queue.Dispose();
        Assert.False(File.Exists(path));
    }
}
