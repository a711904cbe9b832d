using ParallelGen.Dispatch;
using ParallelGen.Pool;

namespace ParallelGen;

public partial class ProcessPool
{
    /// <summary>
    /// Applies <paramref name="task"/> to every item lazily and yields the results in input order as they arrive
    /// (Python's <c>imap</c>).
    /// </summary>
    /// <remarks>
    /// This overload takes the generated task descriptor; application code calls <c>pool.Imap(Square, items)</c>.
    /// The call starts when the enumeration starts. The input is pulled on a thread of its own, only while fewer than
    /// <c>max(chunkSize × workers × 4, 256)</c> items are in flight, so an endless or huge input streams in bounded
    /// memory. A task exception is thrown when its item is reached, as <see cref="RemoteTaskException"/>; leaving the
    /// loop early stops the call (queued items are dropped, running ones told to stop).
    /// </remarks>
    /// <param name="task">The generated task descriptor.</param>
    /// <param name="items">The inputs, pulled lazily.</param>
    /// <param name="chunkSize">Items per message to a worker; default 1, as in Python. Larger chunks are much faster for small tasks.</param>
    /// <param name="progress">
    /// Receives progress at most every 50 ms, from a pool thread: the items whose results have arrived, and the total
    /// once the input has been read to its end (<see langword="null"/> until then). The last report has both equal.
    /// </param>
    public IEnumerable<TResult> Imap<TArgs, TResult>(ProcessTask<TArgs, TResult> task, IEnumerable<TArgs> items, int chunkSize = 1, IProgress<PoolProgress>? progress = null)
    {
        Validate(task, items, chunkSize);
        return Iterate(task, items, chunkSize, ordered: true, progress);
    }

    /// <summary>Like <see cref="Imap{TArgs, TResult}(ProcessTask{TArgs, TResult}, IEnumerable{TArgs}, int, IProgress{PoolProgress}?)"/>, but yields results in completion order (Python's <c>imap_unordered</c>).</summary>
    /// <param name="task">The generated task descriptor.</param>
    /// <param name="items">The inputs, pulled lazily.</param>
    /// <param name="chunkSize">Items per message to a worker; default 1.</param>
    /// <param name="progress">Receives progress, as for <c>Imap</c>.</param>
    public IEnumerable<TResult> ImapUnordered<TArgs, TResult>(ProcessTask<TArgs, TResult> task, IEnumerable<TArgs> items, int chunkSize = 1, IProgress<PoolProgress>? progress = null)
    {
        Validate(task, items, chunkSize);
        return Iterate(task, items, chunkSize, ordered: false, progress);
    }

    /// <summary>Like <see cref="Imap{TArgs, TResult}(ProcessTask{TArgs, TResult}, IEnumerable{TArgs}, int, IProgress{PoolProgress}?)"/>, as an asynchronous stream in input order.</summary>
    /// <param name="task">The generated task descriptor.</param>
    /// <param name="items">The inputs, pulled lazily.</param>
    /// <param name="chunkSize">Items per message to a worker; default 1.</param>
    /// <param name="progress">Receives progress, as for <c>Imap</c>.</param>
    /// <param name="cancellationToken">
    /// Stops the call at once (no more input is pulled, queued items are dropped, running ones told to stop), even
    /// while the consumer is busy with an item; the enumeration throws <see cref="OperationCanceledException"/>.
    /// </param>
    public IAsyncEnumerable<TResult> ImapAsync<TArgs, TResult>(ProcessTask<TArgs, TResult> task, IEnumerable<TArgs> items, int chunkSize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate(task, items, chunkSize);
        return Stream();

        async IAsyncEnumerable<TResult> Stream([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken enumeratorToken = default)
        {
            using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumeratorToken);
            await foreach (TResult result in StartImap(task, items, chunkSize, ordered: true, progress).EnumerateAsync(linked.Token).ConfigureAwait(false))
            {
                yield return result;
            }
        }
    }

    /// <summary>Starts the call when the enumeration starts, so an enumerable that is never enumerated costs nothing.</summary>
    private IEnumerable<TResult> Iterate<TArgs, TResult>(ProcessTask<TArgs, TResult> task, IEnumerable<TArgs> items, int chunkSize, bool ordered, IProgress<PoolProgress>? progress)
    {
        foreach (TResult result in StartImap(task, items, chunkSize, ordered, progress).Enumerate())
        {
            yield return result;
        }
    }

    private ImapCall<TArgs, TResult> StartImap<TArgs, TResult>(ProcessTask<TArgs, TResult> task, IEnumerable<TArgs> items, int chunkSize, bool ordered, IProgress<PoolProgress>? progress)
    {
        ImapCall<TArgs, TResult> call = new(task, items, chunkSize, Processes, ordered, progress, _scheduler.Callbacks, _scheduler.Pump) { Telemetry = _telemetry.CallStarted("imap", task) };
        Submit(call);
        call.StartFeeding();
        return call;
    }

    private static void Validate<TArgs, TResult>(ProcessTask<TArgs, TResult> task, IEnumerable<TArgs> items, int chunkSize)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
    }
}
