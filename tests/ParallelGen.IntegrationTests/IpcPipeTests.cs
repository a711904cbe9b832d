using System.Diagnostics;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>Pipe ends are held per process, as file descriptors are in Python: closing one copy closes only that copy.</summary>
public sealed class IpcPipeTests(ITestOutputHelper output)
{
    [Fact]
    public Task The_parent_closing_its_copy_of_the_childs_end_does_not_end_its_own_receive() => Deadline.Run(() =>
    {
        using Children children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcParityWork.AnswerLater, theirs, 300));
        theirs.Close(); // at once, as Python code does after p.start()

        mine.Send("ping");
        Assert.Equal("PING", mine.Receive(TimeSpan.FromSeconds(30)));
        mine.Close();
        Assert.True(child.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, child.ExitCode); // it saw end of file once the parent closed the last copy of its end
    });

    [Fact]
    public Task A_child_closing_its_copy_of_the_parents_end_does_not_end_its_own_receive() => Deadline.Run(() =>
    {
        using Children children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        using PipeConnection<string> mineEnd = mine;
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcParityWork.CloseUnusedThenEcho, mine, theirs));
        theirs.Close();

        mine.Send("x");
        Assert.Equal("X", mine.Receive(TimeSpan.FromSeconds(30)));
        mine.Send("y");
        Assert.Equal("Y", mine.Receive(TimeSpan.FromSeconds(30)));
        Assert.True(child.IsAlive);
    });

    [Fact]
    public Task A_holder_of_the_sending_end_sees_no_end_of_file_when_the_child_that_received_a_copy_exits() => Deadline.Run(() =>
    {
        using Children children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        using PipeConnection<string> mineEnd = mine;
        using PipeConnection<string> theirEnd = theirs;
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcParityWork.SendAndExit, theirs, "from the child"));
        Assert.Equal("from the child", mine.Receive(TimeSpan.FromSeconds(30)));
        Assert.True(child.Join(TimeSpan.FromSeconds(30)));

        // The parent still holds the child's end, so more may come: a wait times out, as in Python.
        Assert.Throws<TimeoutException>(() => mine.Receive(TimeSpan.FromMilliseconds(300)));
        Assert.False(mine.Poll(TimeSpan.FromMilliseconds(100)));
        theirs.Send("later");
        Assert.Equal("later", mine.Receive(TimeSpan.FromSeconds(5)));

        theirs.Close();
        Assert.Throws<EndOfStreamException>(() => mine.Receive(TimeSpan.FromSeconds(5)));
    });

    [Fact]
    public Task End_of_file_comes_when_the_last_holder_is_killed_with_SIGKILL_not_when_the_parent_closes_its_copy() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessEvent holding = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        using PipeConnection<string> mineEnd = mine;
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcParityWork.HoldEndUntilKilled, theirs, holding));
        theirs.Close();
        Assert.True(holding.Wait(TimeSpan.FromSeconds(30)));
        Assert.Throws<TimeoutException>(() => mine.Receive(TimeSpan.FromMilliseconds(300)));
        mine.Send("nobody reads this yet, but somebody could");

        Task<EndOfStreamException> waiting = Task.Run(() => Assert.Throws<EndOfStreamException>(() => mine.Receive(TimeSpan.FromSeconds(20))));
        Thread.Sleep(200);
        Assert.False(waiting.IsCompleted);
        Stopwatch watch = Stopwatch.StartNew();
        child.Kill();
        waiting.GetAwaiter().GetResult();
        TimeSpan noticed = watch.Elapsed;
        Assert.Throws<IOException>(() => mine.Send("and now nobody can")); // Python's BrokenPipeError

        output.WriteLine($"end of file {noticed.TotalMilliseconds:F0} ms after the SIGKILL of the last holder");
        Assert.True(noticed < TimeSpan.FromSeconds(2), $"noticed after {noticed}");
    });

    [Fact]
    public Task One_pool_worker_closing_its_end_leaves_the_pipe_open_while_another_holds_one_until_it_is_killed() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 2);
        using ProcessBarrier both = new(2);
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        using PipeConnection<string> mineEnd = mine;
        AsyncResult<int> closing = test.Pool.ApplyAsync(IpcParityWork.SendPidThenCloseOrKeep, theirs, both, true);
        AsyncResult<int> keeping = test.Pool.ApplyAsync(IpcParityWork.SendPidThenCloseOrKeep, theirs, both, false);
        int closer = await closing;
        int holder = await keeping;
        theirs.Close(); // both calls were sent: each worker holds its own copy, or held it

        Assert.NotEqual(closer, holder);
        string[] messages = [mine.Receive(TimeSpan.FromSeconds(10)), mine.Receive(TimeSpan.FromSeconds(10))];
        Assert.Equal(new[] { $"{closer}:True", $"{holder}:False" }.Order(), messages.Order());
        Assert.Throws<TimeoutException>(() => mine.Receive(TimeSpan.FromMilliseconds(300))); // the holder still holds

        Assert.Equal(0, Signals.Send(holder, 9));
        Assert.Throws<EndOfStreamException>(() => mine.Receive(TimeSpan.FromSeconds(10)));
        test.Remember();
    });

    [Fact]
    public Task An_end_closed_before_the_pool_call_carrying_it_was_sent_fails_that_call_and_nothing_else() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        using PipeConnection<string> mineEnd = mine;
        AsyncResult busy = test.Pool.ApplyAsync(Work.Pause, 500); // the only worker is busy: the next call waits in the parent
        AsyncResult late = test.Pool.ApplyAsync(IpcParityWork.SendAndExit, theirs, "never");
        theirs.Close();

        ObjectDisposedException closed = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await late);
        output.WriteLine(closed.Message);
        await busy;
        Assert.Equal(49, test.Pool.Apply(Work.Square, 7));
    });

    [Fact]
    public void A_closed_end_refuses_to_send_or_receive_and_closing_twice_does_nothing()
    {
        (PipeConnection<int> first, PipeConnection<int> second) = ProcessPipe.Create<int>();
        using PipeConnection<int> secondEnd = second;
        first.Close();
        first.Close();
        Assert.True(first.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => first.Send(1));
        Assert.Throws<ObjectDisposedException>(() => first.Receive(TimeSpan.Zero));
        Assert.Throws<ObjectDisposedException>(() => first.Poll(TimeSpan.Zero));

        // The other end, held by this process only, now has nobody at the far side.
        Assert.Throws<IOException>(() => second.Send(1));
        Assert.True(second.Poll(TimeSpan.FromSeconds(1)));
        Assert.Throws<EndOfStreamException>(() => second.Receive(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public Task The_buffers_are_removed_once_no_process_holds_either_end() => Deadline.Run(() =>
    {
        using Children children = new();
        (PipeConnection<string> mine, PipeConnection<string> theirs) = ProcessPipe.Create<string>();
        string[] segments = [.. mine.BufferNamesForTesting.Select(name => "/dev/shm" + name)];
        Assert.Equal(2, segments.Length);
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcParityWork.AnswerLater, theirs, 0));
        theirs.Close();
        mine.Send("a");
        Assert.Equal("A", mine.Receive(TimeSpan.FromSeconds(30)));
        Assert.All(segments, s => Assert.True(File.Exists(s))); // the child still holds its end

        mine.Close(); // the child sees end of file, closes its end and exits: the last holder of either end
        Assert.True(child.Join(TimeSpan.FromSeconds(30)));
        Assert.All(segments, s => Assert.False(File.Exists(s), $"{s} is still there"));
    });
}
