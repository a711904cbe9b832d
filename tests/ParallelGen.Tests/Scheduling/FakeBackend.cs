using ParallelGen.Backends;

namespace ParallelGen.Tests.Scheduling;

/// <summary>
/// A backend with no processes: each worker is a <see cref="FakeWorker"/> that the test drives by hand (ready, run the
/// next call, crash, time out), on the test's own thread, so the pool's policy can be tested deterministically.
/// </summary>
internal sealed class FakeBackend : IWorkerBackend
{
    private readonly List<FakeWorker> _launched = [];
    private int _nextId = 1000;

    /// <summary>Gets or sets the shape under which the pool may park its idle workers for the next pool; <see langword="null"/> for none.</summary>
    public string? ReuseKey { get; set; }

    /// <summary>Gets or sets what the next launches throw, if anything (a broken environment).</summary>
    public Func<Exception?>? LaunchFailure { get; set; }

    /// <summary>Gets every worker launched so far, replacements included, in launch order.</summary>
    public IReadOnlyList<FakeWorker> Launched
    {
        get
        {
            lock (_launched)
            {
                return [.. _launched];
            }
        }
    }

    /// <summary>Gets the workers that have not exited.</summary>
    public IReadOnlyList<FakeWorker> Alive => [.. Launched.Where(w => !w.HasExited)];

    /// <summary>Gets how often the pool tried to launch a worker, failed launches included.</summary>
    public int LaunchAttempts { get; private set; }

    public IWorkerChannel Launch(IWorkerEvents events)
    {
        LaunchAttempts++;
        if (LaunchFailure?.Invoke() is { } failure)
        {
            throw failure;
        }

        lock (_launched)
        {
            FakeWorker worker = new(++_nextId, events);
            _launched.Add(worker);
            return worker;
        }
    }

    /// <summary>Makes every live worker that has not said so yet report ready.</summary>
    public void AllReady()
    {
        foreach (FakeWorker worker in Alive.Where(w => !w.SentReady))
        {
            worker.Ready();
        }
    }
}
