namespace ParallelGen;

/// <summary>A worker process died while it held this call: it was killed, exited, or broke the protocol.</summary>
/// <remarks>
/// The pool replaces the worker and keeps serving. A task marked <c>[ProcessTask(MaxRetries = n)]</c> is run again
/// on another worker up to <c>n</c> times before this exception is reported. On a cluster pool, a worker node lost
/// with the calls it held raises the derived <c>NodeLostException</c> (package <c>ParallelGen.Orleans</c>).
/// </remarks>
public class WorkerCrashedException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public WorkerCrashedException(int workerPid, int? exitCode, string? detail = null, string? taskName = null)
        : base(Describe(workerPid, exitCode, detail, taskName))
    {
        WorkerPid = workerPid;
        ExitCode = exitCode;
        TaskName = taskName;
    }

    /// <summary>Initializes a new instance with its own message: for derived exceptions (a lost cluster node).</summary>
    internal WorkerCrashedException(string message, int workerPid, int? exitCode, string? taskName)
        : base(message)
    {
        WorkerPid = workerPid;
        ExitCode = exitCode;
        TaskName = taskName;
    }

    /// <summary>Gets the process id of the worker that died.</summary>
    public int WorkerPid { get; }

    /// <summary>
    /// Gets the worker's exit status as Python reports it: the exit code, or minus the signal number when a signal
    /// killed it (-9 for SIGKILL). <see langword="null"/> if the status could not be collected.
    /// </summary>
    /// <remarks>
    /// On Windows a crash ends a process with an NTSTATUS code, such as 0xC0000005 (access violation), which reads as a
    /// large negative number here (<see cref="NtStatus"/> gives it unsigned); a worker the pool kills or terminates
    /// reads as -9 or -15, as on Linux.
    /// </remarks>
    public int? ExitCode { get; }

    /// <summary>Gets the number of the signal that killed the worker, if a signal did.</summary>
    /// <remarks>On Windows only the pool's own kills read as signals: -9 (<c>Kill</c>) and -15 (<c>Terminate</c>).</remarks>
    public int? Signal => IsSignal(ExitCode) ? -ExitCode : null;

    /// <summary>Gets the NTSTATUS code the worker ended with, if it is one (Windows: a crash such as 0xC0000005).</summary>
    public uint? NtStatus => OperatingSystem.IsWindows() && ExitCode is { } code && unchecked((uint)code) >= 0x80000000 && !IsSignal(code) ? unchecked((uint)code) : null;

    private static bool IsSignal(int? exitCode) => OperatingSystem.IsWindows() ? exitCode is -9 or -15 : exitCode is < 0 and >= -64;

    /// <summary>Gets the name of the task whose call failed, when known.</summary>
    public string? TaskName { get; }

    private static string Describe(int pid, int? exitCode, string? detail, string? taskName)
    {
        string how = exitCode switch
        {
            null => "died",
            < 0 when IsSignal(exitCode) => $"was killed by signal {-exitCode.Value}{SignalName(-exitCode.Value)}",
            < 0 => $"exited with status 0x{unchecked((uint)exitCode.Value):X8}{NtStatusName(unchecked((uint)exitCode.Value))}",
            _ => $"exited with code {exitCode}",
        };
        string task = taskName is null ? "" : $" while running {taskName}";
        string extra = string.IsNullOrEmpty(detail) ? "" : $": {detail}";
        return $"Worker process {pid} {how}{task}{extra}.";
    }

    private static string SignalName(int signal) => signal switch
    {
        2 => " (SIGINT)",
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    };

    /// <summary>The NTSTATUS codes a crashed Windows process most often ends with (and .NET's own).</summary>
    private static string NtStatusName(uint status) => status switch
    {
        0x80000003 => " (STATUS_BREAKPOINT)",
        0xC0000005 => " (STATUS_ACCESS_VIOLATION)",
        0xC000001D => " (STATUS_ILLEGAL_INSTRUCTION)",
        0xC0000017 => " (STATUS_NO_MEMORY)",
        0xC0000094 => " (STATUS_INTEGER_DIVIDE_BY_ZERO)",
        0xC00000FD => " (STATUS_STACK_OVERFLOW)",
        0xC000013A => " (STATUS_CONTROL_C_EXIT)",
        0xC0000135 => " (STATUS_DLL_NOT_FOUND)",
        0xC0000142 => " (STATUS_DLL_INIT_FAILED)",
        0xC0000374 => " (STATUS_HEAP_CORRUPTION)",
        0xC0000409 => " (STATUS_STACK_BUFFER_OVERRUN, a fail-fast)",
        0xC0000602 => " (STATUS_FAIL_FAST_EXCEPTION: the .NET runtime gave up, for instance on an access violation)",
        0xE0434352 => " (an unhandled .NET exception)",
        0x80131623 => " (COR_E_FAILFAST: Environment.FailFast)",
        _ => "",
    };
}
