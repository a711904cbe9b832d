using System.Runtime.Versioning;

namespace ParallelGen.Platform.Linux;

/// <summary>POSIX shared memory: segments are files in <c>/dev/shm</c>, opened with <c>shm_open</c> and mapped with <c>mmap</c>.</summary>
[SupportedOSPlatform("linux")]
internal static unsafe class PosixSharedMemory
{
    private const string Directory = "/dev/shm";

    /// <summary>Creates a segment of <paramref name="size"/> zero bytes, readable and writable by this user only, and maps it.</summary>
    public static byte* Create(string name, long size)
    {
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

            return Map(fd, size, name);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>Maps <paramref name="size"/> bytes of an existing segment.</summary>
    /// <exception cref="FileNotFoundException">The segment does not exist.</exception>
    /// <exception cref="InvalidDataException">The segment is smaller than <paramref name="size"/> (touching the rest would crash the process with SIGBUS).</exception>
    public static byte* Open(string name, long size)
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

            return Map(fd, size, name);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    public static void Unmap(byte* pointer, long size) => LibC.munmap(pointer, (nuint)size);

    public static void Unlink(string name) => LibC.shm_unlink(name);

    public static bool Exists(string name) => File.Exists(Directory + name);

    /// <summary>Removes the segments named <c>/{prefix}{pid}-…</c> whose pid is no longer a live process.</summary>
    public static void RemoveStale(string prefix)
    {
        try
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(Directory, prefix + "*"))
            {
                string file = Path.GetFileName(path);
                int dash = file.IndexOf('-', prefix.Length);
                if (dash > 0 && int.TryParse(file.AsSpan(prefix.Length, dash - prefix.Length), out int pid) && !Processes.IsAlive(pid))
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

    /// <summary>Removes the segments named <c>/{prefix}{pid}-…</c>, alive or not.</summary>
    public static void RemoveAllOf(string prefix, int pid)
    {
        try
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(Directory, $"{prefix}{pid}-*"))
            {
                LibC.shm_unlink("/" + Path.GetFileName(path));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort, as above.
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
}
