using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.WindowsTests;

/// <summary>The few Win32 calls the tests make themselves.</summary>
internal static partial class Win32
{
    public static bool IsOpenHandle(nint handle) => OperatingSystem.IsWindows() && GetHandleInformation(handle, out _);

    [SupportedOSPlatform("windows")]
    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetHandleInformation(nint handle, out uint flags);
}
