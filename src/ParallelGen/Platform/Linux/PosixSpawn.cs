using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace ParallelGen.Platform.Linux;

/// <summary>Starts child processes with <c>posix_spawn</c>, on one dedicated thread that lives as long as the process.</summary>
/// <remarks>
/// <para>Workers arm <c>PR_SET_PDEATHSIG</c>, which the kernel ties to the thread that created them: with a short-lived
/// thread (a pool thread that retires) workers would be killed at random; with this one they die exactly when the
/// parent does.</para>
/// <para>A child gets exactly the descriptors it is given, stdin from <c>/dev/null</c>, and this process's stdout
/// and stderr: every other descriptor is closed in the child, close-on-exec or not (a descriptor opened natively, or
/// inherited from the shell, is not). With glibc 2.34 or later that is one <c>posix_spawn_file_actions_addclosefrom_np</c>;
/// before it, each descriptor found open without close-on-exec is closed one by one.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
internal static unsafe class PosixSpawn
{
    private const int DevNullStdin = 0;

    private static readonly BlockingCollection<Request> s_requests = [];
    private static readonly delegate* unmanaged<void*, int, int> s_addCloseFrom = FindAddCloseFrom();
    private static Thread? s_thread;

    /// <summary>Starts <paramref name="path"/>; thread-safe, the spawn itself happens on the launcher thread.</summary>
    /// <param name="path">The executable.</param>
    /// <param name="arguments">The arguments after the executable's own name.</param>
    /// <param name="environment">The whole environment, as <c>NAME=value</c> strings.</param>
    /// <param name="descriptors">Descriptors the child gets, each at a fixed number above 2; every other one is closed there.</param>
    /// <param name="newProcessGroup">Whether the child leads a process group of its own (its pid), which the processes it starts join.</param>
    /// <returns>The child's pid.</returns>
    /// <exception cref="IOException">The process could not be started.</exception>
    public static int Start(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, (int From, int To)[] descriptors, bool newProcessGroup)
    {
        EnsureThread();
        Request request = new(() => SpawnNow(path, arguments, environment, descriptors, newProcessGroup));
        s_requests.Add(request);
        request.Done.Wait();
        return request.Error is null ? request.Pid : throw request.Error;
    }

    private static void EnsureThread()
    {
        if (Volatile.Read(ref s_thread) is not null)
        {
            return;
        }

        lock (s_requests)
        {
            if (s_thread is null)
            {
                Thread thread = new(Run) { IsBackground = true, Name = "ParallelGen launcher" };
                thread.Start();
                s_thread = thread;
            }
        }
    }

    private static void Run()
    {
        foreach (Request request in s_requests.GetConsumingEnumerable())
        {
            try
            {
                request.Pid = request.Spawn();
            }
            catch (Exception e)
            {
                request.Error = e;
            }
            finally
            {
                request.Done.Set();
            }
        }
    }

    /// <summary>Gets whether children are spawned with every unlisted descriptor closed by one file action (glibc 2.34 or later).</summary>
    public static bool ClosesFromInOneAction => s_addCloseFrom is not null && !ScanDescriptors;

    /// <summary>Gets or sets whether to close descriptors one by one even where glibc can close them in one action (for tests of the older path).</summary>
    internal static bool ScanDescriptors { get; set; }

    private static int SpawnNow(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, (int From, int To)[] descriptors, bool newProcessGroup)
    {
        List<nint> allocations = [];
        void* actions = NativeMemory.AllocZeroed(LibC.FileActionsObjectSize);
        void* attributes = NativeMemory.AllocZeroed(LibC.SpawnAttributesObjectSize);
        byte* signals = stackalloc byte[LibC.SignalSetObjectSize];
        try
        {
            Check(LibC.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(LibC.posix_spawnattr_init(attributes), "posix_spawnattr_init");
            int firstUnlisted = Math.Max(3, descriptors.Length == 0 ? 3 : descriptors.Max(d => d.To) + 1);
            bool closeFrom = ClosesFromInOneAction;
            if (!closeFrom)
            {
                foreach (int fd in InheritableDescriptors())
                {
                    // Before the dup2s below, which may target one of them. An fd closed meanwhile is no error (glibc
                    // reports only descriptors out of range).
                    Check(LibC.posix_spawn_file_actions_addclose(actions, fd), "posix_spawn_file_actions_addclose");
                }
            }

            // Move the sources above the targets first, so one dup2 never overwrites another's source.
            List<int> moved = [];
            foreach ((int from, int to) in descriptors)
            {
                int high = LibC.fcntl(from, LibC.F_DUPFD_CLOEXEC, 10);
                if (high < 0)
                {
                    throw LibC.LastError("fcntl(F_DUPFD_CLOEXEC)");
                }

                moved.Add(high);
                Check(LibC.posix_spawn_file_actions_adddup2(actions, high, to), "posix_spawn_file_actions_adddup2");
            }

            if (closeFrom)
            {
                // After the dup2s: closes the moved copies too, and whatever else this process has open.
                Check(s_addCloseFrom(actions, firstUnlisted), "posix_spawn_file_actions_addclosefrom_np");
            }

            // stdin is /dev/null, as in Python: a task reading the console must not take the parent's input.
            byte* devNull = Utf8("/dev/null", allocations);
            Check(LibC.posix_spawn_file_actions_addopen(actions, DevNullStdin, devNull, LibC.O_RDONLY, 0), "posix_spawn_file_actions_addopen");

            try
            {
                // The child starts with no blocked signals and default handlers (.NET ignores SIGPIPE, for one).
                LibC.sigemptyset(signals);
                Check(LibC.posix_spawnattr_setsigmask(attributes, signals), "posix_spawnattr_setsigmask");
                LibC.sigfillset(signals);
                LibC.sigdelset(signals, LibC.SIGKILL);
                LibC.sigdelset(signals, LibC.SIGSTOP);
                Check(LibC.posix_spawnattr_setsigdefault(attributes, signals), "posix_spawnattr_setsigdefault");
                short flags = (short)(LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF);
                if (newProcessGroup)
                {
                    Check(LibC.posix_spawnattr_setpgroup(attributes, 0), "posix_spawnattr_setpgroup");
                    flags |= LibC.POSIX_SPAWN_SETPGROUP;
                }

                Check(LibC.posix_spawnattr_setflags(attributes, flags), "posix_spawnattr_setflags");

                byte* pathUtf8 = Utf8(path, allocations);
                byte** argv = StringArray([path, .. arguments], allocations);
                byte** envp = StringArray(environment, allocations);
                int pid;
                int rc = LibC.posix_spawn(&pid, pathUtf8, actions, attributes, argv, envp);
                if (rc != 0)
                {
                    throw new IOException($"Could not start process '{path}': {Marshal.GetPInvokeErrorMessage(rc)} (errno {rc}).", rc);
                }

                return pid;
            }
            finally
            {
                foreach (int fd in moved)
                {
                    LibC.close(fd);
                }
            }
        }
        finally
        {
            LibC.posix_spawn_file_actions_destroy(actions);
            LibC.posix_spawnattr_destroy(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
            foreach (nint allocation in allocations)
            {
                NativeMemory.Free((void*)allocation);
            }
        }
    }

    private static delegate* unmanaged<void*, int, int> FindAddCloseFrom() =>
        NativeLibrary.TryLoad("libc.so.6", out nint libc) && NativeLibrary.TryGetExport(libc, "posix_spawn_file_actions_addclosefrom_np", out nint address)
            ? (delegate* unmanaged<void*, int, int>)address
            : null;

    /// <summary>The descriptors above stderr that this process has open without close-on-exec (for glibc before 2.34).</summary>
    private static List<int> InheritableDescriptors()
    {
        List<int> open = [];
        foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), out int fd) && fd > 2)
            {
                int flags = LibC.fcntl(fd, LibC.F_GETFD, 0);
                if (flags >= 0 && (flags & LibC.FD_CLOEXEC) == 0)
                {
                    open.Add(fd);
                }
            }
        }

        return open;
    }

    private static void Check(int rc, string operation)
    {
        if (rc != 0)
        {
            throw new IOException($"{operation} failed: {Marshal.GetPInvokeErrorMessage(rc)} (errno {rc}).", rc);
        }
    }

    private static byte* Utf8(string value, List<nint> allocations)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        allocations.Add((nint)buffer);
        Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, length));
        buffer[length] = 0;
        return buffer;
    }

    private static byte** StringArray(IReadOnlyList<string> values, List<nint> allocations)
    {
        byte** array = (byte**)NativeMemory.Alloc((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        allocations.Add((nint)array);
        for (int i = 0; i < values.Count; i++)
        {
            array[i] = Utf8(values[i], allocations);
        }

        array[values.Count] = null;
        return array;
    }

    private sealed class Request(Func<int> spawn)
    {
        public Func<int> Spawn { get; } = spawn;

        public ManualResetEventSlim Done { get; } = new();

        public int Pid { get; set; }

        public Exception? Error { get; set; }
    }
}
