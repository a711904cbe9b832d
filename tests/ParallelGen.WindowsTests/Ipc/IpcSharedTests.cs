namespace ParallelGen.WindowsTests.Ipc;

/// <summary>Shared arrays, the manager's dictionary and list (over a named pipe on Windows), and large frames through shared memory.</summary>
public sealed class IpcSharedTests
{
    [Fact]
    public Task An_8_MiB_shared_array_written_here_is_read_there_and_its_write_seen_here() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using SharedArray<long> array = new(1 << 20);
        Span<long> span = array.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = i;
        }

        children.Add(WorkerProcess.Start(IpcWork.CheckAndMark, array));
        children.JoinAllSucceeded(TimeSpan.FromSeconds(60));
        Assert.Equal(-1, array[0]);
    });

    [Fact]
    public Task A_disposed_shared_object_can_no_longer_be_opened() => Deadline.Run(() =>
    {
        ProcessLock sharedLock = new();
        byte[] bytes = MemoryPack.MemoryPackSerializer.Serialize(sharedLock);
        sharedLock.Dispose();
        Assert.Throws<FileNotFoundException>(() => MemoryPack.MemoryPackSerializer.Deserialize<ProcessLock>(bytes));
    });

    [Fact]
    public Task A_manager_serves_a_dictionary_and_a_list_to_three_processes_and_its_proxies_fail_once_it_is_disposed() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        ProcessManager manager = new();
        if (OperatingSystem.IsWindows())
        {
            Assert.StartsWith(@"\\.\pipe\pg-manager-", manager.SocketPath, StringComparison.Ordinal);
        }

        ManagedDictionary<string, int> squares = manager.Dictionary<string, int>();
        ManagedList<int> seen = manager.List<int>();
        for (int i = 1; i <= 3; i++)
        {
            children.Add(WorkerProcess.Start(IpcWork.RecordInManager, squares, seen, i));
        }

        children.JoinAllSucceeded(TimeSpan.FromSeconds(60));
        Assert.Equal(3, squares.Count);
        Assert.Equal(9, squares["k3"]);
        Assert.Equal([1, 2, 3], seen.ToList().Order());

        manager.Dispose();
        Assert.Throws<IOException>(() => squares.Count);
    });

    [Fact]
    public Task A_manager_hangs_up_on_a_connection_without_its_secret() => Deadline.Run(() =>
    {
        using ProcessManager manager = new();
        using Stream connection = Platform.LocalListener.Connect(manager.SocketPath);
        connection.Write(new byte[32]);
        connection.Flush();
        byte[] answer = new byte[16];
        int read;
        try
        {
            read = connection.Read(answer);
        }
        catch (IOException)
        {
            read = 0; // a broken pipe: hung up as well
        }

        Assert.Equal(0, read);
    });

    [Fact]
    public Task A_large_frame_in_shared_memory_can_be_read_after_the_process_that_sent_it_has_exited() => Deadline.Run(() =>
    {
        // Deterministic form of the test below: the sender has exited before the receiver maps the segment.
        using IpcChildren children = new();
        using ProcessQueue<byte[]> naming = new();
        children.Add(WorkerProcess.Start(IpcWork.SendLargeFrameAndExit, Environment.ProcessId, naming));
        byte[] frame = naming.Get(TimeSpan.FromSeconds(60));
        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));

        using Transport.SharedFrameReceiver receiver = new(16 << 20);
        Assert.Equal(7, receiver.Resolve(frame, out ReadOnlyMemory<byte> body));
        Assert.True(body.Span.SequenceEqual(IpcWork.Pattern(1 << 20)), "the frame changed");
        receiver.Release();
    });

    [Fact]
    public Task Large_results_sent_just_before_their_worker_exits_arrive_intact() => Deadline.Run(() =>
    {
        // One task per worker: each result (in shared memory) is the worker's last word before it exits, so on
        // Windows the parent must hold the segment open, or it goes with the worker.
        using TestPool test = new(processes: 2, new ProcessPoolOptions { MaxTasksPerWorker = 1 });
        int[] lengths = [.. Enumerable.Range(0, 6).Select(i => (1 << 20) + i)];
        byte[][] results = test.Pool.Map(IpcWork.LargeResult, lengths, chunkSize: 1);
        for (int i = 0; i < lengths.Length; i++)
        {
            Assert.Equal(IpcWork.Pattern(lengths[i]), results[i]);
        }
    });
}
