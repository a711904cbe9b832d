namespace ParallelGen.Tests;

/// <summary>An <see cref="IProgress{T}"/> that records each report on the reporting thread, unlike <see cref="Progress{T}"/>, which posts it.</summary>
internal sealed class SynchronousProgress : IProgress<PoolProgress>
{
    private readonly List<PoolProgress> _reports = [];

    /// <summary>Raised after each report is recorded.</summary>
    public event Action<PoolProgress>? Reported;

    /// <summary>Gets a copy of the reports so far, in order.</summary>
    public PoolProgress[] Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(PoolProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }

        Reported?.Invoke(value);
    }
}
