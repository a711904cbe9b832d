using Microsoft.Extensions.Configuration;

namespace ParallelGen.Extensions.Hosting;

/// <summary>
/// The options of <see cref="ProcessPoolOptions"/> that configuration can set (an initializer is code, not text), bound
/// by the configuration binder's source generator, so binding works under Native AOT.
/// </summary>
internal sealed class ProcessPoolConfiguration
{
    public string? Name { get; set; }

    public int? Processes { get; set; }

    public int? MaxTasksPerWorker { get; set; }

    public int? MaxMessageSize { get; set; }

    public TimeSpan? WorkerStartTimeout { get; set; }

    public TimeSpan? TaskTimeout { get; set; }

    public bool? ReuseWorkers { get; set; }

    public TimeSpan? IdleWorkerTimeout { get; set; }

    public bool? WorkerDiagnostics { get; set; }

    public bool? KeepWorkerDescendants { get; set; }

    public bool? ConcurrentCallbacks { get; set; }

    /// <summary>Sets on <paramref name="options"/> what <paramref name="section"/> sets, and leaves the rest.</summary>
    /// <exception cref="InvalidOperationException">A value does not convert to its option's type; the message names its key.</exception>
    public static void Apply(IConfiguration section, ProcessPoolOptions options)
    {
        ProcessPoolConfiguration values = new();
        section.Bind(values);
        options.Name = values.Name ?? options.Name;
        options.Processes = values.Processes ?? options.Processes;
        options.MaxTasksPerWorker = values.MaxTasksPerWorker ?? options.MaxTasksPerWorker;
        options.MaxMessageSize = values.MaxMessageSize ?? options.MaxMessageSize;
        options.WorkerStartTimeout = values.WorkerStartTimeout ?? options.WorkerStartTimeout;
        options.TaskTimeout = values.TaskTimeout ?? options.TaskTimeout;
        options.ReuseWorkers = values.ReuseWorkers ?? options.ReuseWorkers;
        options.IdleWorkerTimeout = values.IdleWorkerTimeout ?? options.IdleWorkerTimeout;
        options.WorkerDiagnostics = values.WorkerDiagnostics ?? options.WorkerDiagnostics;
        options.KeepWorkerDescendants = values.KeepWorkerDescendants ?? options.KeepWorkerDescendants;
        options.ConcurrentCallbacks = values.ConcurrentCallbacks ?? options.ConcurrentCallbacks;
    }
}
