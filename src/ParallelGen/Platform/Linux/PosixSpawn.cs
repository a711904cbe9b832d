using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace ParallelGen.Platform.Linux;

/// <summary>Starts child processes with <c>posix_spawn</c>, on one dedicated thread that lives as long as the process.</summary>
/// <remarks>
/// Workers arm <c>PR_SET_PDEATHSIG</c>, which the kernel ties to the thread that created them: with a short-lived
/// thread (a pool thread that retires) workers would be killed at random; with this one they die exactly when the
/// parent does.
/// </remarks>
[SupportedOSPlatform("linux")]
internal static unsafe class PosixSpawn
{
    private static readonly BlockingCollection<Request> s_requests = [];
    private static Thread? s_thread;

    /// <summary>Starts <paramref name="path"/>; thread-safe, the spawn itself happens on the launcher thread.</summary>
    /// <param name="path">The executable.</param>
    /// <param name="arguments">The arguments after the executable's own name.</param>
    /// <param name="environment">The whole environment, as <c>NAME=value</c> strings.</param>
    /// <param name="descriptors">Descriptors the child gets, each at a fixed number; everything else is close-on-exec.</param>
    /// <returns>The child's pid.</returns>
    /// <exception cref="IOException">The process could not be started.</exception>
    public static int Start(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, (int From, int To)[] descriptors)
    {
        EnsureThread();
        Request request = new(() => SpawnNow(path, arguments, environment, descriptors));
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

    private static int SpawnNow(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, (int From, int To)[] descriptors)
    {
        List<nint> allocations = [];
        void* actions = NativeMemory.AllocZeroed(LibC.FileActionsObjectSize);
        void* attributes = NativeMemory.AllocZeroed(LibC.SpawnAttributesObjectSize);
        byte* signals = stackalloc byte[LibC.SignalSetObjectSize];
        try
        {
            Check(LibC.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(LibC.posix_spawnattr_init(attributes), "posix_spawnattr_init");

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

            try
            {
                // The child starts with no blocked signals and default handlers (.NET ignores SIGPIPE, for one).
                LibC.sigemptyset(signals);
                Check(LibC.posix_spawnattr_setsigmask(attributes, signals), "posix_spawnattr_setsigmask");
                LibC.sigfillset(signals);
                LibC.sigdelset(signals, LibC.SIGKILL);
                LibC.sigdelset(signals, LibC.SIGSTOP);
                Check(LibC.posix_spawnattr_setsigdefault(attributes, signals), "posix_spawnattr_setsigdefault");
                Check(LibC.posix_spawnattr_setflags(attributes, (short)(LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF)), "posix_spawnattr_setflags");

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
