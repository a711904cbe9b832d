using ParallelGen.Platform.Linux;
using ParallelGen.Platform.Windows;

namespace ParallelGen.Platform;

/// <summary>
/// A named shared-memory segment mapped into this process: on Linux, a POSIX segment
/// (<c>/dev/shm/pg-&lt;pid&gt;-&lt;random&gt;</c>, mode 0600); on Windows, a named file mapping
/// (<c>Local\pg-&lt;pid&gt;-&lt;random&gt;</c>, <see cref="WindowsMapping"/>). The creating process removes the name when
/// it disposes the object; every process unmaps on dispose or exit.
/// </summary>
/// <remarks>
/// On Windows the kernel object goes with the last handle to it, so nothing is left behind by a process that dies,
/// and a segment that must outlive the process that made it (<see cref="Create"/> with another lifetime process) is
/// held open by that process until it is removed.
/// </remarks>
internal sealed unsafe class SharedSegment : IDisposable
{
    private const string Prefix = "pg-";
    private static int s_staleCleaned;

    /// <summary>The Windows mapping (null on Linux).</summary>
    private readonly WindowsMapping? _mapping;

    private SharedSegment(string name, long size, byte* pointer, bool owner)
    {
        Name = name;
        Size = size;
        Pointer = pointer;
        IsOwner = owner;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private SharedSegment(string name, long size, WindowsMapping mapping, bool owner)
        : this(name, size, mapping.Pointer, owner) => _mapping = mapping;

    /// <summary>Gets the segment's name, which other processes open it by.</summary>
    public string Name { get; }

    public long Size { get; }

    public byte* Pointer { get; private set; }

    /// <summary>Gets whether this process has disposed its mapping.</summary>
    public bool IsDisposed => Pointer is null;

    /// <summary>Gets whether this process created the segment (and removes its name on dispose).</summary>
    public bool IsOwner { get; }

    /// <summary>Creates a new zero-filled segment of <paramref name="size"/> bytes.</summary>
    /// <param name="size">The segment's size in bytes.</param>
    /// <param name="lifetimePid">
    /// The process whose exit makes the segment stale (its pid goes into the name); by default this one. A queue's
    /// overflow segment names the queue's creator, so it outlives the process that put the item.
    /// </param>
    /// <param name="keptBy">
    /// A process that needs the segment after this one has gone, until it removes it (a worker's frames, read by the
    /// parent); by default the lifetime process. Linux keeps every name until removed; on Windows that process is
    /// given a handle to the mapping.
    /// </param>
    public static SharedSegment Create(long size, int lifetimePid = 0, int keptBy = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (Interlocked.Exchange(ref s_staleCleaned, 1) == 0)
        {
            RemoveStaleSegments();
        }

        string name = $"/{Prefix}{(lifetimePid == 0 ? Environment.ProcessId : lifetimePid)}-{Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 8)).ToLowerInvariant()}";
        int holder = keptBy != 0 ? keptBy : lifetimePid;
        return PlatformSupport.IsLinux ? new SharedSegment(name, size, PosixSharedMemory.Create(name, size), owner: true)
            : PlatformSupport.IsWindows ? new SharedSegment(name, size, WindowsMapping.Create(name, size, holder), owner: true)
            : throw PlatformSupport.NotSupported();
    }

    /// <summary>Maps an existing segment created by another process.</summary>
    /// <exception cref="FileNotFoundException">The segment no longer exists: its creator disposed it or exited.</exception>
    /// <exception cref="InvalidDataException">The segment is smaller than <paramref name="size"/> (touching the rest would crash the process).</exception>
    public static SharedSegment Open(string name, long size) =>
        PlatformSupport.IsLinux ? new SharedSegment(name, size, PosixSharedMemory.Open(name, size), owner: false)
            : PlatformSupport.IsWindows ? new SharedSegment(name, size, WindowsMapping.Open(name, size), owner: false)
            : throw PlatformSupport.NotSupported();

    /// <summary>
    /// Gets whether <paramref name="name"/> has the form of a ParallelGen segment name (<c>/pg-…</c>, one path part, at
    /// most <paramref name="maxLength"/> characters): checked before a name read from another process is opened.
    /// </summary>
    public static bool IsWellFormedName(string name, int maxLength) =>
        name.Length <= maxLength && name.StartsWith("/" + Prefix, StringComparison.Ordinal) && name.IndexOf('/', 1) < 0;

    /// <summary>Gets whether the segment still exists (its creator has not removed it).</summary>
    public static bool Exists(string name) =>
        PlatformSupport.IsLinux ? PosixSharedMemory.Exists(name)
            : PlatformSupport.IsWindows ? WindowsMapping.Exists(name)
            : throw PlatformSupport.NotSupported();

    /// <summary>Removes a segment's name, whoever created it: for segments whose owner is gone.</summary>
    public static void Remove(string name)
    {
        if (PlatformSupport.IsLinux)
        {
            PosixSharedMemory.Unlink(name);
        }
        else if (PlatformSupport.IsWindows)
        {
            WindowsMapping.Remove(name);
        }
    }

    /// <summary>
    /// Removes every segment whose name says <paramref name="pid"/>'s exit makes it stale: a worker does it for its
    /// parent when the parent dies, since the parent cannot any more.
    /// </summary>
    public static void RemoveAllOf(int pid)
    {
        if (PlatformSupport.IsLinux)
        {
            PosixSharedMemory.RemoveAllOf(Prefix, pid);
        }
    }

    /// <summary>Gets the pid in the segment's name: the process whose exit makes it stale.</summary>
    public int LifetimePid => int.Parse(Name.AsSpan(1 + Prefix.Length, Name.IndexOf('-', 1 + Prefix.Length) - 1 - Prefix.Length));

    /// <summary>Unmaps the segment and removes its name, whoever created it: for a segment read exactly once.</summary>
    public void DisposeAndRemove()
    {
        if (PlatformSupport.IsWindows && !IsDisposed)
        {
            _mapping!.MarkRemoved(); // Through this mapping: by name it would be gone once detached.
            Detach();
            return;
        }

        Detach();
        Remove(Name);
    }

    /// <summary>Removes the segment's name but keeps this process's mapping: no other process can open it any more.</summary>
    public void RemoveName() => Remove(Name);

    /// <summary>Unmaps the segment but leaves its name, so that another process can still open it.</summary>
    public void Detach()
    {
        byte* pointer = Pointer;
        Pointer = null;
        if (pointer is null)
        {
            return;
        }

        if (PlatformSupport.IsLinux)
        {
            PosixSharedMemory.Unmap(pointer, Size);
        }
        else if (PlatformSupport.IsWindows)
        {
            _mapping!.Close();
        }
    }

    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }

        if (IsOwner)
        {
            DisposeAndRemove();
        }
        else
        {
            Detach();
        }
    }

    /// <summary>Removes segments left behind by ParallelGen processes that died without disposing them (Linux: Windows leaves none).</summary>
    private static void RemoveStaleSegments()
    {
        if (PlatformSupport.IsLinux)
        {
            PosixSharedMemory.RemoveStale(Prefix);
        }
    }
}
