using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Windows;

/// <summary>The Win32 calls every part of the Windows platform layer shares, bound directly to kernel32 (no reflection, Native AOT friendly).</summary>
/// <remarks>
/// One partial class per concern: <c>Kernel32.Processes.cs</c> (CreateProcess, job objects), <c>Kernel32.Pipes.cs</c>;
/// shared memory and synchronization add their own files.
/// </remarks>
[SupportedOSPlatform("windows")]
internal static unsafe partial class Kernel32
{
    private const string Lib = "kernel32.dll";

    public const uint INFINITE = 0xFFFFFFFF;
    public const uint WAIT_OBJECT_0 = 0;
    public const uint WAIT_ABANDONED = 0x80;
    public const uint WAIT_TIMEOUT = 0x102;
    public const uint WAIT_FAILED = 0xFFFFFFFF;

    public const int ERROR_BROKEN_PIPE = 109;
    public const int ERROR_NO_DATA = 232;
    public const int ERROR_PIPE_NOT_CONNECTED = 233;
    public const int ERROR_ACCESS_DENIED = 5;
    public const int ERROR_INVALID_HANDLE = 6;

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool CloseHandle(nint handle);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial uint WaitForSingleObject(nint handle, uint milliseconds);

    [LibraryImport(Lib)]
    public static partial uint GetCurrentProcessId();

    /// <summary>The error for a failed call, with the Win32 error of the calling thread's last P/Invoke.</summary>
    public static IOException LastError(string call)
    {
        int error = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(error)} (Win32 error {error}).", error);
    }
}
