using ParallelGen.Dispatch;
using ParallelGen.Pool;

namespace ParallelGen;

/// <summary>
/// A <c>[ProcessTask]</c> that every worker runs once, with its arguments, before its first task (Python's
/// <c>initializer</c>/<c>initargs</c>): <c>new ProcessPoolOptions { Initializer = PoolInitializer.Create(Setup, "db.sqlite") }</c>.
/// </summary>
/// <remarks>
/// <para>The call is checked at compile time like a pool call. Replacement workers (after a crash, or
/// <see cref="ProcessPoolOptions.MaxTasksPerWorker"/>) run it too. A worker counts as started only once its
/// initializer has returned, so <see cref="ProcessPool.WaitForWorkersAsync"/> includes it.</para>
/// <para>If the initializer throws, that worker is stopped and replaced; after three failures in a row the pool
/// gives up, and every pending and later call fails with <see cref="WorkerCrashedException"/> whose message carries
/// the initializer's exception, instead of respawning workers forever as Python does.</para>
/// </remarks>
public sealed partial class PoolInitializer
{
    private readonly Func<WorkUnit> _createUnit;

    private PoolInitializer(ProcessTask task, Func<WorkUnit> createUnit)
    {
        Task = task;
        _createUnit = createUnit;
    }

    /// <summary>Gets the task that runs in each worker.</summary>
    public ProcessTask Task { get; }

    /// <summary>Creates an initializer from a generated task descriptor and its arguments.</summary>
    /// <remarks>Application code calls <c>PoolInitializer.Create(Setup, arg1, ...)</c>; the generator routes it here.</remarks>
    /// <param name="task">The generated task descriptor.</param>
    /// <param name="args">The arguments, packed as the descriptor expects; sent to every worker.</param>
    public static PoolInitializer Create<TArgs, TResult>(ProcessTask<TArgs, TResult> task, TArgs args)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new PoolInitializer(task, () => new InitializerUnit<TArgs, TResult>(task, args));
    }

    /// <summary>
    /// Creates an initializer whose arguments are already serialized (as <see cref="WriteArguments"/> wrote them): how a
    /// cluster node runs a remote pool's initializer in its own workers.
    /// </summary>
    internal static PoolInitializer CreateRaw(ProcessTask task, ReadOnlyMemory<byte> arguments) =>
        new(task, () => new RawInitializerUnit(task, arguments));

    /// <summary>Creates the unit that runs the initializer in one worker.</summary>
    internal WorkUnit CreateUnit() => _createUnit();

    /// <summary>Serializes the initializer's arguments, as a <c>Run</c> frame carries them.</summary>
    internal void WriteArguments(Transport.FrameBuffer buffer) => _createUnit().WriteArguments(buffer);
}
