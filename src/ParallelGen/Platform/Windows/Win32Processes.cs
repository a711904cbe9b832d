using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace ParallelGen.Platform.Windows;

/// <summary>Starting, ending and asking after processes on Windows.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe class Win32Processes
{
    /// <summary>
    /// The exit code <see cref="Terminate"/> gives a process: 0x10000 plus the Linux signal number, as Python's
    /// <c>multiprocessing</c> ends processes on Windows (<c>TerminateProcess(h, 0x10000)</c>), so that the exit status
    /// reads as minus that signal above the platform layer on both systems (see <see cref="DecodeExitCode"/>).
    /// </summary>
    public const uint TerminatedBase = 0x10000;

    /// <summary>
    /// Starts <paramref name="path"/> suspended, puts it in the <see cref="WorkerJob"/>, and lets it run. It inherits
    /// exactly <paramref name="handles"/> and this process's standard handles, through
    /// <c>PROC_THREAD_ATTRIBUTE_HANDLE_LIST</c>; they are inheritable only for the duration of the call.
    /// </summary>
    /// <returns>The process handle (owned by the caller) and the pid.</returns>
    /// <exception cref="IOException">The process could not be started.</exception>
    public static (nint Process, int Pid) Start(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, IReadOnlyList<nint> handles)
    {
        string commandLine = BuildCommandLine(path, arguments);
        string block = BuildEnvironmentBlock(environment);
        List<nint> inherited = [.. handles];
        List<nint> duplicates = [];
        nint* std = stackalloc nint[3];
        for (int i = 0; i < 3; i++)
        {
            // The worker's stdout and stderr are the parent's (stdin too, as on Linux): inheritable copies, in the list.
            std[i] = 0;
            nint own = Kernel32.GetStdHandle(Kernel32.STD_INPUT_HANDLE - i);
            nint copy;
            if (own != 0 && own != -1 && Kernel32.DuplicateHandle(Kernel32.CurrentProcess, own, Kernel32.CurrentProcess, &copy, 0, true, Kernel32.DUPLICATE_SAME_ACCESS))
            {
                std[i] = copy;
                duplicates.Add(copy);
                inherited.Add(copy);
            }
        }

        nuint size = 0;
        Kernel32.InitializeProcThreadAttributeList(null, 1, 0, &size);
        void* attributes = NativeMemory.Alloc(size);
        nint* list = stackalloc nint[inherited.Count];
        bool listReady = false;
        try
        {
            if (!Kernel32.InitializeProcThreadAttributeList(attributes, 1, 0, &size))
            {
                throw Kernel32.LastError("InitializeProcThreadAttributeList");
            }

            listReady = true;
            for (int i = 0; i < inherited.Count; i++)
            {
                list[i] = inherited[i];
            }

            if (!Kernel32.UpdateProcThreadAttribute(attributes, 0, Kernel32.PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list, (nuint)(sizeof(nint) * inherited.Count), null, null))
            {
                throw Kernel32.LastError("UpdateProcThreadAttribute(PROC_THREAD_ATTRIBUTE_HANDLE_LIST)");
            }

            foreach (nint handle in handles)
            {
                if (!Kernel32.SetHandleInformation(handle, Kernel32.HANDLE_FLAG_INHERIT, Kernel32.HANDLE_FLAG_INHERIT))
                {
                    throw Kernel32.LastError("SetHandleInformation");
                }
            }

            Kernel32.StartupInfoEx startup = default;
            startup.Cb = sizeof(Kernel32.StartupInfoEx);
            startup.Flags = Kernel32.STARTF_USESTDHANDLES;
            startup.StdInput = std[0];
            startup.StdOutput = std[1];
            startup.StdError = std[2];
            startup.AttributeList = attributes;
            Kernel32.ProcessInformation info;
            bool created;
            // CreateProcessW may write into the command line: give it a buffer of its own, never a string.
            char[] command = [.. commandLine, '\0'];
            fixed (char* application = path)
            fixed (char* commandBuffer = command)
            fixed (char* env = block)
            {
                created = Kernel32.CreateProcess(
                    application,
                    commandBuffer,
                    null,
                    null,
                    true,
                    Kernel32.CREATE_SUSPENDED | Kernel32.CREATE_UNICODE_ENVIRONMENT | Kernel32.EXTENDED_STARTUPINFO_PRESENT,
                    env,
                    null,
                    &startup,
                    &info);
            }

            if (!created)
            {
                throw Kernel32.LastError($"CreateProcess('{path}')");
            }

            // Before the first instruction runs: then anything it starts is in the job too.
            WorkerJob.TryAssign(info.Process);
            Kernel32.ResumeThread(info.Thread);
            Kernel32.CloseHandle(info.Thread);
            return (info.Process, info.ProcessId);
        }
        finally
        {
            foreach (nint handle in handles)
            {
                Kernel32.SetHandleInformation(handle, Kernel32.HANDLE_FLAG_INHERIT, 0);
            }

            foreach (nint copy in duplicates)
            {
                Kernel32.CloseHandle(copy);
            }

            if (listReady)
            {
                Kernel32.DeleteProcThreadAttributeList(attributes);
            }

            NativeMemory.Free(attributes);
        }
    }

    /// <summary>Ends a process with <see cref="TerminatedBase"/> plus <paramref name="signal"/>; nothing if it has exited.</summary>
    public static void Terminate(nint process, int signal) => Kernel32.TerminateProcess(process, TerminatedBase + (uint)signal);

    /// <summary>Waits up to <paramref name="milliseconds"/> (-1: for ever) for the process to exit.</summary>
    /// <returns>Whether it has exited.</returns>
    public static bool WaitForExit(nint process, int milliseconds) =>
        Kernel32.WaitForSingleObject(process, milliseconds < 0 ? Kernel32.INFINITE : (uint)milliseconds) != Kernel32.WAIT_TIMEOUT;

    /// <summary>Gets the exit status of an exited process as the platform layer reports it (<see cref="DecodeExitCode"/>).</summary>
    public static int? ExitStatus(nint process)
    {
        uint code;
        return Kernel32.GetExitCodeProcess(process, &code) ? DecodeExitCode(code) : null;
    }

    /// <summary>
    /// Turns a Windows exit code into the status above the platform layer: minus the signal for the codes that
    /// <see cref="Terminate"/> gives, otherwise the code itself (an NTSTATUS such as 0xC0000005 reads as a large negative
    /// number, which <see cref="WorkerCrashedException"/> names).
    /// </summary>
    public static int DecodeExitCode(uint code) =>
        code > TerminatedBase && code < TerminatedBase + 64 ? -(int)(code - TerminatedBase) : unchecked((int)code);

    /// <summary>Gets whether a process with this pid is running.</summary>
    public static bool IsAlive(int pid)
    {
        nint process = Kernel32.OpenProcess(Kernel32.SYNCHRONIZE | Kernel32.PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
        if (process == 0)
        {
            // No such process (ERROR_INVALID_PARAMETER); access denied means it exists but is not ours to open.
            return Marshal.GetLastPInvokeError() == Kernel32.ERROR_ACCESS_DENIED;
        }

        try
        {
            return Kernel32.WaitForSingleObject(process, 0) == Kernel32.WAIT_TIMEOUT;
        }
        finally
        {
            Kernel32.CloseHandle(process);
        }
    }

    /// <summary>Ends this process at once: no finalizers, no exit handlers, whatever other threads are doing.</summary>
    public static void ExitNow(int exitCode) => Kernel32.TerminateProcess(Kernel32.CurrentProcess, unchecked((uint)exitCode));

    /// <summary>
    /// Quotes the command line as the Microsoft C runtime (and .NET's <c>Main(string[] args)</c>) splits it: each
    /// argument in quotes when it needs them, backslashes doubled only before a quote.
    /// </summary>
    public static string BuildCommandLine(string path, IReadOnlyList<string> arguments)
    {
        StringBuilder line = new();
        AppendQuoted(line, path);
        foreach (string argument in arguments)
        {
            line.Append(' ');
            AppendQuoted(line, argument);
        }

        return line.ToString();
    }

    private static void AppendQuoted(StringBuilder line, string argument)
    {
        if (argument.Length > 0 && argument.AsSpan().IndexOfAny(" \t\n\v\"") < 0)
        {
            line.Append(argument);
            return;
        }

        line.Append('"');
        int backslashes = 0;
        foreach (char c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            line.Append('\\', c == '"' ? (backslashes * 2) + 1 : backslashes);
            backslashes = 0;
            line.Append(c);
        }

        line.Append('\\', backslashes * 2);
        line.Append('"');
    }

    /// <summary>The environment as <c>CreateProcessW</c> takes it: <c>NAME=value</c> strings, each ending in NUL, sorted by name, then one more NUL.</summary>
    private static string BuildEnvironmentBlock(IReadOnlyList<string> environment)
    {
        List<string> sorted = [.. environment];
        sorted.Sort(StringComparer.OrdinalIgnoreCase);
        StringBuilder block = new();
        foreach (string variable in sorted)
        {
            block.Append(variable).Append('\0');
        }

        return block.Append('\0').ToString();
    }
}
