using ParallelGen.Dispatch;
using ParallelGen.Pool;

namespace ParallelGen;

public partial class ProcessPool
{
    /// <summary>Applies <paramref name="task"/> to every item in worker processes; results in input order (Python's <c>map</c>).</summary>
    /// <remarks>
    /// This overload takes the generated task descriptor; application code calls <c>pool.Map(Square, data)</c> and the
    /// generator routes it here. The input is read to the end first, as Python does; use <c>Imap</c> for lazy input.
    /// </remarks>
    /// <param name="task">The generated task descriptor.</param>
    /// <param name="items">The inputs.</param>
    /// <param name="chunkSize">Items per message to a worker. Default: items / (workers × 4), rounded up.</param>
    /// <param name="progress">Receives progress at most every 50 ms and at the end, from a pool thread.</param>
    /// <exception cref="RemoteTaskException">A task threw; <see cref="RemoteTaskException.InputIndex"/> says for which item.</exception>
    /// <exception cref="WorkerCrashedException">A worker died while running a chunk.</exception>
    public TResult[] Map<TArgs, TResult>(
        ProcessTask<TArgs, TResult> task,
        IEnumerable<TArgs> items,
        int? chunkSize = null,
        IProgress<PoolProgress>? progress = null) =>
        MapAsync(task, items, chunkSize, progress).GetAwaiter().GetResult();

    /// <summary>Applies <paramref name="task"/> to every item in worker processes; results in input order.</summary>
    /// <remarks>This overload takes the generated task descriptor; application code calls <c>pool.MapAsync(Square, data)</c>.</remarks>
    /// <param name="task">The generated task descriptor.</param>
    /// <param name="items">The inputs, read to the end before the first chunk is sent.</param>
    /// <param name="chunkSize">Items per message to a worker. Default: items / (workers × 4), rounded up.</param>
    /// <param name="progress">Receives progress at most every 50 ms and at the end, from a pool thread.</param>
    /// <param name="cancellationToken">Drops the chunks not yet sent at once and tells the running ones to stop.</param>
    /// <exception cref="RemoteTaskException">A task threw; <see cref="RemoteTaskException.InputIndex"/> says for which item.</exception>
    /// <exception cref="WorkerCrashedException">A worker died while running a chunk.</exception>
    public Task<TResult[]> MapAsync<TArgs, TResult>(
        ProcessTask<TArgs, TResult> task,
        IEnumerable<TArgs> items,
        int? chunkSize = null,
        IProgress<PoolProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(items);
        if (chunkSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunkSize must be at least 1.");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult[]>(cancellationToken);
        }

        IReadOnlyList<TArgs> list = items as IReadOnlyList<TArgs> ?? [.. items];
        if (list.Count == 0)
        {
            _scheduler.ThrowIfNotAccepting();

            progress?.Report(new PoolProgress(0, 0, TimeSpan.Zero));
            return Task.FromResult(Array.Empty<TResult>());
        }

        MapCall<TArgs, TResult> call = new(task, list, chunkSize ?? DefaultChunkSize(list.Count, Processes), progress, _scheduler.Callbacks) { Telemetry = _telemetry.CallStarted("map", task, list.Count) };
        Submit(call);
        call.RegisterCancellation(cancellationToken);
        return call.Completion;
    }

    /// <summary>Applies a task to argument tuples, one call per tuple (Python's <c>starmap</c>).</summary>
    /// <inheritdoc cref="Map{TArgs, TResult}(ProcessTask{TArgs, TResult}, IEnumerable{TArgs}, int?, IProgress{PoolProgress}?)"/>
    public TResult[] Starmap<TArgs, TResult>(
        ProcessTask<TArgs, TResult> task,
        IEnumerable<TArgs> items,
        int? chunkSize = null,
        IProgress<PoolProgress>? progress = null) =>
        Map(task, items, chunkSize, progress);

    /// <summary>Applies a task to argument tuples, one call per tuple.</summary>
    /// <inheritdoc cref="MapAsync{TArgs, TResult}(ProcessTask{TArgs, TResult}, IEnumerable{TArgs}, int?, IProgress{PoolProgress}?, CancellationToken)"/>
    public Task<TResult[]> StarmapAsync<TArgs, TResult>(
        ProcessTask<TArgs, TResult> task,
        IEnumerable<TArgs> items,
        int? chunkSize = null,
        IProgress<PoolProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        MapAsync(task, items, chunkSize, progress, cancellationToken);

    /// <summary>The default chunk size, as in Python: items / (workers × 4), rounded up, at least 1.</summary>
    internal static int DefaultChunkSize(int count, int workers) => Math.Max(1, (int)Math.Ceiling(count / (Math.Max(workers, 1) * 4.0)));
}
