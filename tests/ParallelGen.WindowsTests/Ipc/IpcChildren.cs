namespace ParallelGen.WindowsTests.Ipc;

/// <summary>The processes an IPC test starts: on dispose, any still running is killed, and none may be left alive.</summary>
internal sealed class IpcChildren : IDisposable
{
    private readonly List<WorkerProcess> _started = [];

    public WorkerProcess Add(WorkerProcess process)
    {
        _started.Add(process);
        return process;
    }

    /// <summary>Waits for every child and asserts each exited with code 0.</summary>
    public void JoinAllSucceeded(TimeSpan timeout)
    {
        foreach (WorkerProcess process in _started)
        {
            Assert.True(process.Join(timeout), $"{process.Name} did not exit");
            Assert.Equal(0, process.ExitCode);
        }
    }

    public void Dispose()
    {
        foreach (WorkerProcess process in _started)
        {
            process.Kill();
            process.Join(TimeSpan.FromSeconds(10));
        }

        OsProcesses.AssertAllExited(_started.Select(p => p.Pid), TimeSpan.FromSeconds(10));
    }
}
