using ParallelGen.Platform;

namespace ParallelGen.Ipc;

/// <summary>
/// An object that lives in shared memory and can be passed to tasks and processes as an ordinary argument: only its
/// name crosses the process boundary, and the other process maps the same memory.
/// </summary>
/// <remarks>
/// <para>The process that creates the object owns it: disposing it there removes the shared memory's name, and other
/// processes can no longer open it (those that already have it keep their mapping).</para>
/// <para>Every time an object arrives in a process (as an argument, or as an item of a queue) it is a new object, as
/// an unpickled object is in Python, so what one task does to its object (<c>Close</c>, <c>Dispose</c>) does not
/// reach the next task that receives the same queue in the same worker. The objects over one segment share one
/// mapping per process, which goes when the last of them is disposed (or with the process).</para>
/// <para>Segments of processes that died without disposing are removed the next time a ParallelGen process creates
/// a shared object.</para>
/// </remarks>
public abstract unsafe class SharedObject : IDisposable
{
    /// <summary>This process's mappings, by segment name, with the number of undisposed objects over each.</summary>
    private static readonly Dictionary<string, Mapping> s_mappings = [];

    private readonly SharedSegment _memory;
    private int _disposed;

    private protected SharedObject(SharedSegment memory, bool isView = false)
    {
        _memory = memory;
        IsView = isView;
        if (!isView)
        {
            lock (s_mappings)
            {
                if (s_mappings.TryGetValue(memory.Name, out Mapping? mapping) && mapping.Segment == memory)
                {
                    mapping.Users++;
                }
                else
                {
                    s_mappings[memory.Name] = new Mapping(memory);
                }
            }
        }
    }

    /// <summary>Gets whether this object is a view into another object's memory (the lock of a shared array), which owns it.</summary>
    private protected bool IsView { get; }

    /// <summary>Gets the name of the shared-memory segment, which is what crosses to other processes.</summary>
    public string Name => _memory.Name;

    /// <summary>Gets the mapped segment.</summary>
    /// <exception cref="ObjectDisposedException">This object was disposed.</exception>
    internal SharedSegment Memory
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _memory;
        }
    }

    internal long Size => _memory.Size;

    /// <summary>Gets whether this object was disposed in this process.</summary>
    private protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Gets the start of the mapped memory.</summary>
    /// <exception cref="ObjectDisposedException">The object was disposed in this process.</exception>
    private protected byte* Data
    {
        get
        {
            byte* pointer = Memory.Pointer;
            return pointer is not null ? pointer : throw new ObjectDisposedException(GetType().Name);
        }
    }

    /// <summary>Disposes this object; when it is the last one over its segment in this process, unmaps the memory, and in the creating process also removes the segment's name.</summary>
    public void Dispose()
    {
        if (IsView || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        OnDisposing();
        Unmap(_memory, removeName: _memory.IsOwner);
        GC.SuppressFinalize(this);
    }

    /// <summary>Like <see cref="Dispose()"/>, but whether the name goes is the caller's choice (a pipe's buffers go when no process holds an end).</summary>
    private protected void DisposeCore(bool removeName)
    {
        if (IsView || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        OnDisposing();
        Unmap(_memory, removeName);
    }

    /// <summary>Runs before the memory is unmapped: stop anything in this process that still uses it.</summary>
    private protected virtual void OnDisposing()
    {
    }

    /// <inheritdoc/>
    public override string ToString() => $"{GetType().Name}({Name})";

    /// <summary>Returns a new object for <paramref name="name"/>, over this process's mapping of it (mapped now if it is not yet).</summary>
    internal static T Open<T>(string name, long size, Func<SharedSegment, T> create)
        where T : SharedObject
    {
        lock (s_mappings)
        {
            // Created under the lock, so that the mapping cannot go between finding it and counting the new object.
            return s_mappings.TryGetValue(name, out Mapping? mapping) && mapping.Segment.Size >= size
                ? create(mapping.Segment)
                : create(SharedSegment.Open(name, size));
        }
    }

    private static void Unmap(SharedSegment memory, bool removeName)
    {
        lock (s_mappings)
        {
            if (!s_mappings.TryGetValue(memory.Name, out Mapping? mapping) || mapping.Segment != memory || --mapping.Users > 0)
            {
                return;
            }

            s_mappings.Remove(memory.Name);
        }

        if (removeName)
        {
            memory.DisposeAndRemove();
        }
        else
        {
            memory.Detach();
        }
    }

    private sealed class Mapping(SharedSegment segment)
    {
        public SharedSegment Segment { get; } = segment;

        public int Users { get; set; } = 1;
    }
}
