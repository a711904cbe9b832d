using System.Collections.Concurrent;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using ParallelGen.Platform.Linux;
using ParallelGen.Platform;
using ParallelGen.Protocol;

namespace ParallelGen.Backends.Process;

/// <summary>Starts worker processes with <c>posix_spawn</c> and hands back the parent's ends of their pipes.</summary>
/// <remarks>
/// <para>Every spawn runs on one dedicated thread that lives as long as the process. Workers arm
/// <c>PR_SET_PDEATHSIG</c>, which the kernel ties to the thread that created them; with a short-lived thread (a pool
/// thread that retires) workers would be killed at random, with this one they die exactly when the parent does.</para>
/// <para>The child gets only its three pipe ends, at fixed descriptors 3, 4 and 5: all pipes are close-on-exec,
/// so a worker can never hold a sibling's pipe open. Its stdout and stderr are the parent's, as in Python.</para>
/// </remarks>
internal static unsafe class WorkerLauncher
{
    private static readonly BlockingCollection<SpawnRequest> s_requests = [];
    private static readonly Lazy<LaunchCommand> s_command = new(LaunchCommand.Resolve);
    private static Thread? s_thread;

    /// <summary>Gets how workers are started in this process (JIT host or the Native AOT application itself).</summary>
    public static LaunchCommand Command => s_command.Value;

    /// <summary>Starts a worker process. Thread-safe; the spawn itself happens on the launcher thread.</summary>
    public static WorkerPipes Spawn(int maxFrameLength, int taskTimeoutMilliseconds = 0)
    {
        EnsureThread();
        SpawnRequest request = new(maxFrameLength, taskTimeoutMilliseconds);
        s_requests.Add(request);
        request.Done.Wait();
        return request.Result ?? throw request.Error!;
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
        foreach (SpawnRequest request in s_requests.GetConsumingEnumerable())
        {
            try
            {
                request.Result = SpawnNow(request.MaxFrameLength, request.TaskTimeoutMilliseconds);
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

    private static WorkerPipes SpawnNow(int maxFrameLength, int taskTimeoutMilliseconds)
    {
        LaunchCommand command = Command;
        (Pipe childIn, Pipe parentOut) = Pipe.Create();
        (Pipe parentIn, Pipe childOut) = Pipe.Create();
        (Pipe childControl, Pipe parentControl) = Pipe.Create();
        try
        {
            parentOut.TryGrowBuffer(1024 * 1024);
            childOut.TryGrowBuffer(1024 * 1024);
            parentOut.SetNonBlocking();

            string info = new WorkerStartInfo(Environment.ProcessId, maxFrameLength, taskTimeoutMilliseconds, command.SelfHosted).Encode();
            int pid = PosixSpawn(
                command.FileName,
                command.Arguments,
                BuildEnvironment(info),
                [(childIn.Fd, WorkerStartInfo.DataInFd), (childOut.Fd, WorkerStartInfo.DataOutFd), (childControl.Fd, WorkerStartInfo.ControlInFd)]);
            return new WorkerPipes(pid, parentOut, parentIn, parentControl);
        }
        catch
        {
            parentOut.Dispose();
            parentIn.Dispose();
            parentControl.Dispose();
            throw;
        }
        finally
        {
            childIn.Dispose();
            childOut.Dispose();
            childControl.Dispose();
        }
    }

    private static List<string> BuildEnvironment(string workerInfo)
    {
        List<string> environment = [];
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            string key = (string)entry.Key;
            if (key != WorkerStartInfo.EnvironmentVariable)
            {
                environment.Add($"{key}={entry.Value}");
            }
        }

        environment.Add($"{WorkerStartInfo.EnvironmentVariable}={workerInfo}");
        if (!environment.Exists(v => v.StartsWith("DOTNET_gcConcurrent=", StringComparison.OrdinalIgnoreCase) || v.StartsWith("COMPlus_gcConcurrent=", StringComparison.OrdinalIgnoreCase)))
        {
            // Workers run batch work, where a background GC only costs: while one runs, the runtime throttles large
            // allocations, and a task that receives or returns a 64 MiB array then waits hundreds of milliseconds for
            // it. Set DOTNET_gcConcurrent in the parent's environment to choose otherwise.
            environment.Add("DOTNET_gcConcurrent=0");
        }

        return environment;
    }

    private static int PosixSpawn(string path, IReadOnlyList<string> arguments, List<string> environment, (int From, int To)[] descriptors)
    {
        const int ActionsSize = 1024;
        const int AttributesSize = 1024;
        const int SignalSetSize = 128;

        List<nint> allocations = [];
        void* actions = NativeMemory.AllocZeroed(ActionsSize);
        void* attributes = NativeMemory.AllocZeroed(AttributesSize);
        byte* signals = stackalloc byte[SignalSetSize];
        try
        {
            Check(LibC.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(LibC.posix_spawnattr_init(attributes), "posix_spawnattr_init");

            // Move the sources above the targets first, so one dup2 never overwrites another's source.
            List<int> moved = [];
            foreach ((int from, int to) in descriptors)
            {
                int high = LibC.fcntl(from, F_DUPFD_CLOEXEC, 10);
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
                LibC.sigdelset(signals, 19 /* SIGSTOP */);
                Check(LibC.posix_spawnattr_setsigdefault(attributes, signals), "posix_spawnattr_setsigdefault");
                Check(LibC.posix_spawnattr_setflags(attributes, (short)(LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF)), "posix_spawnattr_setflags");

                byte* pathUtf8 = Utf8(path, allocations);
                byte** argv = StringArray([path, .. arguments], allocations);
                byte** envp = StringArray(environment, allocations);
                int pid;
                int rc = LibC.posix_spawn(&pid, pathUtf8, actions, attributes, argv, envp);
                if (rc != 0)
                {
                    throw new IOException($"Could not start worker process '{path}': {Marshal.GetPInvokeErrorMessage(rc)} (errno {rc}).", rc);
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

    private const int F_DUPFD_CLOEXEC = 1030;

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

    private sealed class SpawnRequest(int maxFrameLength, int taskTimeoutMilliseconds)
    {
        public int MaxFrameLength { get; } = maxFrameLength;

        public int TaskTimeoutMilliseconds { get; } = taskTimeoutMilliseconds;

        public ManualResetEventSlim Done { get; } = new();

        public WorkerPipes? Result { get; set; }

        public Exception? Error { get; set; }
    }
}

/// <summary>A freshly spawned worker: its pid and the parent's ends of its pipes.</summary>
internal sealed record WorkerPipes(int Pid, Pipe DataOut, Pipe DataIn, Pipe ControlOut);

/// <summary>The program and arguments that start a worker in this process's environment.</summary>
/// <param name="FileName">The executable: <c>dotnet</c> for JIT apps, the application itself under Native AOT.</param>
/// <param name="Arguments">The arguments after the executable.</param>
/// <param name="SelfHosted">Whether the worker is the application itself (Native AOT).</param>
internal sealed record LaunchCommand(string FileName, IReadOnlyList<string> Arguments, bool SelfHosted)
{
    public const string HostAssemblyFileName = "ParallelGen.WorkerHost.dll";

    /// <summary>Gets whether this process runs as Native AOT code (no JIT has compiled anything).</summary>
    public static bool IsNativeAot => System.Runtime.JitInfo.GetCompiledMethodCount() == 0;

    public static LaunchCommand Resolve()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("ParallelGen worker processes run on Linux and macOS; Windows is not supported yet.");
        }

        if (IsNativeAot)
        {
            string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the application executable is unknown.");
            return new LaunchCommand(self, [], SelfHosted: true);
        }

        return ResolveJit();
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "This branch runs only under the JIT, where assemblies have files.")]
    private static LaunchCommand ResolveJit()
    {
        // The worker is the generic host started with the application's own runtime and dependency files, which works
        // the same under `dotnet run`, a published app, and a test host (whose process path is `dotnet` itself).
        string deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? throw new InvalidOperationException(
                "ParallelGen cannot find the application's .deps.json, which JIT workers need. Single-file apps are not supported; publish with PublishAot=true or as a regular app.");
        string runtimeConfig = deps.EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase)
            ? string.Concat(deps.AsSpan(0, deps.Length - ".deps.json".Length), ".runtimeconfig.json")
            : throw new InvalidOperationException($"Unexpected dependency file name '{deps}'.");
        if (!File.Exists(runtimeConfig))
        {
            throw new InvalidOperationException($"ParallelGen workers need '{runtimeConfig}', which is missing.");
        }

        string host = FindHostAssembly();
        return new LaunchCommand(FindDotnet(), ["exec", "--runtimeconfig", runtimeConfig, "--depsfile", deps, host], SelfHosted: false);
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "JIT only.")]
    private static string FindHostAssembly()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, HostAssemblyFileName),
            Path.Combine(Path.GetDirectoryName(typeof(LaunchCommand).Assembly.Location) ?? "", HostAssemblyFileName),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"'{HostAssemblyFileName}' was not found next to the application ({AppContext.BaseDirectory}). It is copied there by the ParallelGen package; a custom build that drops it cannot start workers.");
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "JIT only.")]
    private static string FindDotnet()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        foreach (string? candidate in new[]
        {
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
            // <root>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll -> <root>/dotnet
            Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "", "..", "..", "..", "dotnet"),
            Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } root ? Path.Combine(root, "dotnet") : null,
        })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new InvalidOperationException("ParallelGen cannot find the 'dotnet' host to start JIT workers. Set DOTNET_ROOT.");
    }
}
