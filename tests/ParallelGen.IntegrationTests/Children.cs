namespace ParallelGen.IntegrationTests;

/// <summary>The processes a test starts: on dispose, any still running is killed, and none may be left alive.</summary>
internal sealed class Children : IDisposable
{
    private readonly List<WorkerProcess> _started = [];

    public WorkerProcess Add(WorkerProcess process)
    {
        _started.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (WorkerProcess process in _started)
        {
            process.Kill();
            process.Join(TimeSpan.FromSeconds(5));
        }

        Processes.AssertAllExited(_started.Select(p => p.Pid), TimeSpan.FromSeconds(5));
    }
}
