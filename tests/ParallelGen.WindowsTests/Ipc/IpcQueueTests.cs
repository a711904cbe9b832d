namespace ParallelGen.WindowsTests.Ipc;

/// <summary>Queues and pipes between processes: a ring in a named file mapping, woken through the sync cell's events.</summary>
public sealed class IpcQueueTests
{
    [Fact]
    public Task Three_producer_and_three_consumer_processes_share_one_bounded_queue_with_nothing_lost_or_taken_twice() => Deadline.Run(() =>
    {
        using IpcChildren producers = new();
        using IpcChildren consumers = new();
        using ProcessQueue<int> queue = new(maxSize: 50);
        using ProcessQueue<int[]> taken = new();
        for (int i = 0; i < 3; i++)
        {
            producers.Add(WorkerProcess.Start(IpcWork.Produce, queue, i * 1000, 500));
            consumers.Add(WorkerProcess.Start(IpcWork.Consume, queue, taken));
        }

        producers.JoinAllSucceeded(TimeSpan.FromSeconds(90));
        for (int i = 0; i < 3; i++)
        {
            queue.Put(-1);
        }

        int[] all = [.. Enumerable.Range(0, 3).SelectMany(_ => taken.Get(TimeSpan.FromSeconds(60))).Order()];
        Assert.Equal(Enumerable.Range(0, 3).SelectMany(i => Enumerable.Range(i * 1000, 500)), all);
        consumers.JoinAllSucceeded(TimeSpan.FromSeconds(30));
    });

    [Fact]
    public Task A_full_queue_put_times_out_and_an_empty_queue_get_times_out() => Deadline.Run(() =>
    {
        using ProcessQueue<int> queue = new(maxSize: 3);
        for (int i = 0; i < 3; i++)
        {
            queue.Put(i);
        }

        Assert.False(queue.TryPut(3, TimeSpan.FromMilliseconds(200)));
        Assert.Equal([0, 1, 2], new[] { queue.Get(), queue.Get(), queue.Get() });
        Assert.False(queue.TryGet(out _, TimeSpan.FromMilliseconds(200)));
    });

    [Fact]
    public Task Async_gets_and_puts_wait_for_another_process_and_honour_cancellation() => Deadline.Run(async () =>
    {
        using IpcChildren children = new();
        using ProcessQueue<int> queue = new(maxSize: 1);
        using (CancellationTokenSource soon = new(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.GetAsync(soon.Token));
        }

        Task<int>[] gets = [.. Enumerable.Range(0, 20).Select(_ => queue.GetAsync())];
        await Task.Delay(200);
        Assert.DoesNotContain(gets, g => g.IsCompleted);
        children.Add(WorkerProcess.Start(IpcWork.Produce, queue, 100, 20));
        int[] items = await Task.WhenAll(gets).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(100, 20), items.Order());

        await queue.PutAsync(1);
        using (CancellationTokenSource soon = new(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.PutAsync(2, soon.Token));
        }

        Assert.Equal(1, queue.Get(TimeSpan.FromSeconds(5)));
        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));
    });

    [Fact]
    public Task An_item_larger_than_the_ring_outlives_the_process_that_put_it() => Deadline.Run(() =>
    {
        // On Windows the item's own mapping would go with the putter's last handle: the queue's creator is given one.
        using IpcChildren children = new();
        using ProcessQueue<byte[]> queue = new();
        int length = 3 * 1024 * 1024;
        children.Add(WorkerProcess.Start(IpcWork.PutLargeAndExit, queue, length));
        children.JoinAllSucceeded(TimeSpan.FromSeconds(60));

        Assert.Equal(IpcWork.Pattern(length), queue.Get(TimeSpan.FromSeconds(10)));
    });

    [Fact]
    public Task A_joinable_queue_is_joined_once_another_process_has_marked_every_item_done() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        using JoinableProcessQueue<int> queue = new();
        for (int i = 0; i < 20; i++)
        {
            queue.Put(i);
        }

        Assert.False(queue.Join(TimeSpan.FromMilliseconds(100)));
        children.Add(WorkerProcess.Start(IpcWork.TakeAllAndMarkDone, queue, 20));
        Assert.True(queue.Join(TimeSpan.FromSeconds(60)));
        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));
    });

    [Fact]
    public Task A_pipe_carries_messages_both_ways_and_closing_the_last_end_gives_the_other_process_end_of_stream() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        children.Add(WorkerProcess.Start(IpcWork.Echo, theirs));
        theirs.Close();
        mine.Send("a");
        mine.Send("bc");
        Assert.Equal("A", mine.Receive(TimeSpan.FromSeconds(60)));
        Assert.Equal("BC", mine.Receive(TimeSpan.FromSeconds(30)));
        mine.Close(); // the child's Receive throws EndOfStreamException, and it returns
        children.JoinAllSucceeded(TimeSpan.FromSeconds(30));
    });

    [Fact]
    public Task A_pipe_end_whose_process_is_killed_gives_end_of_stream_to_a_receiver_and_a_broken_pipe_to_a_sender() => Deadline.Run(() =>
    {
        using IpcChildren children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcWork.SayReadyAndWait, theirs));
        theirs.Close();
        Assert.Equal("ready", mine.Receive(TimeSpan.FromSeconds(60)));

        child.Kill();
        Assert.True(child.Join(TimeSpan.FromSeconds(30)));
        Assert.Throws<EndOfStreamException>(() => mine.Receive(TimeSpan.FromSeconds(10)));
        Assert.Throws<IOException>(() => mine.Send("x"));
        mine.Close();
    });
}
