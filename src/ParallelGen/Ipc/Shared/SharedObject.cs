using ParallelGen.Platform;
namespace ParallelGen.Ipc;

/// <summary>
/// An object that lives in shared memory and can be passed to tasks and processes as an ordinary argument: only its
/// name crosses the process boundary, and the other process maps the same memory.
/// </summary>
/// <remarks>
/// <para>The process that creates the object owns it: disposing it there removes the shared memory's name, and other
/// processes can no longer open it (those that already have it keep their mapping). A process that opened it
/// (because it received it as an argument) keeps one mapping per object for its lifetime.</para>
/// <para>Segments of processes that died without disposing are removed the next time a ParallelGen process creates
/// a shared object.</para>
/// </remarks>
public abstract unsafe class SharedObject : IDisposable
{
    private static readonly Dictionary<string, SharedObject> s_opened = [];

    private protected SharedObject(SharedSegment memory, bool isView = false)
    {
        Memory = memory;
        IsView = isView;
        if (!isView)
        {
            lock (s_opened)
            {
                s_opened[memory.Name] = this;
            }
        }
    }

    /// <summary>Gets whether this object is a view into another object's memory (the lock of a shared array), which owns it.</summary>
    private protected bool IsView { get; }

    /// <summary>Gets the name of the shared-memory segment, which is what crosses to other processes.</summary>
    public string Name => Memory.Name;

    internal SharedSegment Memory { get; }

    internal long Size => Memory.Size;

    /// <summary>Gets the start of the mapped memory.</summary>
    /// <exception cref="ObjectDisposedException">The object was disposed in this process.</exception>
    private protected byte* Data => Memory.Pointer is not null ? Memory.Pointer : throw new ObjectDisposedException(GetType().Name);

    /// <summary>Unmaps the memory; in the creating process, also removes the segment's name.</summary>
    public void Dispose()
    {
        if (IsView)
        {
            return;
        }

        lock (s_opened)
        {
            s_opened.Remove(Memory.Name);
        }

        OnDisposing();
        Memory.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs before the memory is unmapped: stop anything in this process that still uses it.</summary>
    private protected virtual void OnDisposing()
    {
    }

    /// <inheritdoc/>
    public override string ToString() => $"{GetType().Name}({Name})";

    /// <summary>Returns this process's object for <paramref name="name"/>, mapping the segment the first time.</summary>
    internal static T Open<T>(string name, long size, Func<SharedSegment, T> create)
        where T : SharedObject
    {
        lock (s_opened)
        {
            if (s_opened.TryGetValue(name, out SharedObject? existing) && existing is T typed)
            {
                return typed;
            }
        }

        return create(SharedSegment.Open(name, size));
    }
}
