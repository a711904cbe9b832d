using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// A <see cref="ProcessQueue{T}"/> that also counts unfinished items (Python's <c>JoinableQueue</c>): consumers call
/// <see cref="TaskDone"/> for each item they took, and <see cref="Join()"/> waits until every item put was done.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed class JoinableProcessQueue<T> : ProcessQueue<T>, ISharedObject<JoinableProcessQueue<T>>, MemoryPack.IMemoryPackFormatterRegister
{
    static JoinableProcessQueue() => SharedObjectFormatter<JoinableProcessQueue<T>>.Register();

    private JoinableProcessQueue(SharedSegment memory)
        : base(memory)
    {
    }

    /// <summary>Creates a joinable queue.</summary>
    /// <param name="maxSize">The most items it holds; 0 for no limit but the ring's size.</param>
    /// <param name="capacityBytes">The ring's size in bytes of serialized items.</param>
    public JoinableProcessQueue(int maxSize = 0, int capacityBytes = DefaultCapacityBytes)
        : base(maxSize, capacityBytes)
    {
    }

    /// <summary>Marks one item taken from the queue as processed.</summary>
    /// <exception cref="InvalidOperationException">Called more times than items were put.</exception>
    public void TaskDone() => MarkTaskDone();

    /// <summary>Waits until every item put has been marked done.</summary>
    public void Join() => WaitAllDone(Timeout.InfiniteTimeSpan);

    /// <summary>Waits up to <paramref name="timeout"/> until every item put has been marked done.</summary>
    /// <returns>Whether all items were done in time.</returns>
    public bool Join(TimeSpan timeout) => WaitAllDone(timeout);

    static JoinableProcessQueue<T> ISharedObject<JoinableProcessQueue<T>>.Open(SharedSegment memory) => new(memory);

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<JoinableProcessQueue<T>>.Register();
}
