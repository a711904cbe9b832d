using System.Diagnostics;

namespace ParallelGen.IntegrationTests;

/// <summary>Python's <c>current_process()</c>, <c>parent_process()</c>, <c>Process.sentinel</c> and <c>Process.close()</c>.</summary>
public sealed class ProcessIdentityTests
{
    [Fact]
    public void The_application_is_the_main_process_with_no_ParallelGen_parent()
    {
        Assert.Equal("MainProcess", CurrentProcess.Name);
        Assert.Equal(Environment.ProcessId, CurrentProcess.Pid);
        Assert.Null(CurrentProcess.ParentPid);
        Assert.Equal(ProcessRole.Main, CurrentProcess.Role);
        Assert.False(CurrentProcess.IsPoolWorker);
    }

    [Fact]
    public Task A_WorkerProcess_knows_its_name_and_parent_and_so_does_a_process_it_starts() => Deadline.Run(() =>
    {
        using Children children = new();
        using ProcessQueue<string> reports = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(
            IpcParityWork.ReportIdentityAndStartGrandchild, reports, options: new WorkerProcessOptions { Name = "reporter; with a semicolon" }));
        string[] mine = reports.Get(TimeSpan.FromSeconds(30)).Split('|');
        string[] grandchild = reports.Get(TimeSpan.FromSeconds(30)).Split('|');
        Assert.True(child.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, child.ExitCode);

        Assert.Equal(["reporter; with a semicolon", $"{child.Pid}", $"{Environment.ProcessId}", "WorkerProcess", "False", $"{child.Pid}"], mine);
        Assert.Equal("grandchild", grandchild[0]);
        Assert.Equal($"{child.Pid}", grandchild[2]);
        Assert.Equal("WorkerProcess", grandchild[3]);
        Assert.NotEqual(grandchild[1], mine[1]);
    });

    [Fact]
    public Task A_pool_worker_knows_it_is_one_and_has_a_numbered_name() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 2);
        await test.Pool.WaitForWorkersAsync();
        string[][] reports = [.. (await test.Pool.MapAsync(IpcParityWork.PidOfIdentity, Enumerable.Range(0, 20), chunkSize: 1)).Select(r => r.Split('|'))];
        Assert.All(reports, r =>
        {
            Assert.Matches("^PoolWorker-[0-9]+$", r[0]);
            Assert.Contains(int.Parse(r[1]), test.Pool.WorkerPids);
            Assert.Equal($"{Environment.ProcessId}", r[2]);
            Assert.Equal("PoolWorker", r[3]);
            Assert.Equal("True", r[4]);
        });
        Assert.Equal(reports.Select(r => r[1]).Distinct().Count(), reports.Select(r => r[0]).Distinct().Count()); // one name per worker
    });

    [Fact]
    public Task Sentinels_of_several_processes_can_be_waited_on_together_and_Close_releases_them() => Deadline.Run(() =>
    {
        using Children children = new();
        WorkerProcess quick = children.Add(WorkerProcess.Start(Work.Pause, 100));
        WorkerProcess endless = children.Add(WorkerProcess.Start(IpcPrimitiveWork.SleepForever));

        Assert.Equal(0, WaitHandle.WaitAny([quick.Sentinel, endless.Sentinel], TimeSpan.FromSeconds(30)));
        Assert.False(endless.Sentinel.WaitOne(200));
        Assert.Throws<InvalidOperationException>(endless.Close); // still running, as Python's ValueError

        Stopwatch watch = Stopwatch.StartNew();
        endless.Kill();
        Assert.True(endless.Sentinel.WaitOne(TimeSpan.FromSeconds(10)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));

        quick.Close();
        quick.Close();
        Assert.Throws<ObjectDisposedException>(() => quick.Sentinel);
        Assert.Equal(0, quick.ExitCode); // what it reports about its end stays
        Assert.True(quick.Join(TimeSpan.Zero));

        // A sentinel asked for after the exit is already signalled.
        Assert.True(endless.Sentinel.WaitOne(0));
    });
}
