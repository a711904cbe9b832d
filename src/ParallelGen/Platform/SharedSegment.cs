using ParallelGen.Platform.Linux;

namespace ParallelGen.Platform;

/// <summary>
/// A POSIX shared-memory segment (<c>/dev/shm/pg-&lt;pid&gt;-&lt;random&gt;</c>, mode 0600) mapped into this process.
/// The creating process removes the name when it disposes the object; every process unmaps on dispose or exit.
/// </summary>
internal sealed unsafe class SharedSegment : IDisposable
{
    private const string Prefix = "pg-";
    private static int s_staleCleaned;

    private SharedSegment(string name, long size, byte* pointer, bool owner)
    {
        Name = name;
        Size = size;
        Pointer = pointer;
        IsOwner = owner;
    }

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
    public static SharedSegment Create(long size, int lifetimePid = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (Interlocked.Exchange(ref s_staleCleaned, 1) == 0)
        {
            RemoveStaleSegments();
        }

        string name = $"/{Prefix}{(lifetimePid == 0 ? Environment.ProcessId : lifetimePid)}-{Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 8)).ToLowerInvariant()}";
        int fd = LibC.shm_open(name, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0x180); // 0600
        if (fd < 0)
        {
            throw LibC.LastError("shm_open");
        }

        try
        {
            if (LibC.ftruncate(fd, size) != 0)
            {
                LibC.shm_unlink(name);
                throw LibC.LastError("ftruncate");
            }

            return new SharedSegment(name, size, Map(fd, size, name), owner: true);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>Maps an existing segment created by another process.</summary>
    /// <exception cref="FileNotFoundException">The segment no longer exists: its creator disposed it or exited.</exception>
    /// <exception cref="InvalidDataException">The segment is smaller than <paramref name="size"/> (touching the rest would crash the process).</exception>
    public static SharedSegment Open(string name, long size)
    {
        int fd = LibC.shm_open(name, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new FileNotFoundException(
                $"The shared object '{name}' no longer exists: the process that created it has disposed it or exited.", name);
        }

        try
        {
            long actual = LibC.lseek(fd, 0, LibC.SEEK_END);
            if (actual < size)
            {
                throw new InvalidDataException($"The shared object '{name}' has {actual} bytes, not the {size} announced.");
            }

            return new SharedSegment(name, size, Map(fd, size, name), owner: false);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>Gets the pid in the segment's name: the process whose exit makes it stale.</summary>
    public int LifetimePid => int.Parse(Name.AsSpan(1 + Prefix.Length, Name.IndexOf('-', 1 + Prefix.Length) - 1 - Prefix.Length));

    /// <summary>Unmaps the segment and removes its name, whoever created it: for a segment read exactly once.</summary>
    public void DisposeAndRemove()
    {
        Detach();
        LibC.shm_unlink(Name);
    }

    /// <summary>Unmaps the segment but leaves its name, so that another process can still open it.</summary>
    public void Detach()
    {
        byte* pointer = Pointer;
        Pointer = null;
        if (pointer is not null)
        {
            LibC.munmap(pointer, (nuint)Size);
        }
    }

    public void Dispose()
    {
        bool wasMapped = !IsDisposed;
        Detach();
        if (wasMapped && IsOwner)
        {
            LibC.shm_unlink(Name);
        }
    }

    private static byte* Map(int fd, long size, string name)
    {
        void* pointer = LibC.mmap(null, (nuint)size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (pointer == (void*)-1)
        {
            throw LibC.LastError($"mmap of {name}");
        }

        return (byte*)pointer;
    }

    /// <summary>Removes segments left behind by ParallelGen processes that died without disposing them.</summary>
    private static void RemoveStaleSegments()
    {
        try
        {
            foreach (string path in Directory.EnumerateFiles("/dev/shm", Prefix + "*"))
            {
                string file = Path.GetFileName(path);
                int dash = file.IndexOf('-', Prefix.Length);
                if (dash > 0 && int.TryParse(file.AsSpan(Prefix.Length, dash - Prefix.Length), out int pid)
                    && !Directory.Exists($"/proc/{pid}"))
                {
                    LibC.shm_unlink("/" + file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover segment only costs memory.
        }
    }
}
