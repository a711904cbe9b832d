using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Windows;

/// <summary>Named mutexes and semaphores: the kernel objects behind a <see cref="SyncCell"/> on Windows.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class Kernel32
{
    public const uint SEMAPHORE_MODIFY_STATE = 0x0002;
    public const int ERROR_NOT_OWNER = 288;

    /// <summary>Creates the named mutex, or opens it if it exists (then <paramref name="initialOwner"/> is ignored).</summary>
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint CreateMutexW(void* attributes, [MarshalAs(UnmanagedType.Bool)] bool initialOwner, string name);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool ReleaseMutex(nint mutex);

    /// <summary>Creates the named semaphore, or opens it if it exists.</summary>
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint CreateSemaphoreW(void* attributes, int initialCount, int maximumCount, string name);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint OpenSemaphoreW(uint desiredAccess, [MarshalAs(UnmanagedType.Bool)] bool inheritHandle, string name);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool ReleaseSemaphore(nint semaphore, int releaseCount, int* previousCount);

    [LibraryImport(Lib)]
    public static partial uint GetCurrentThreadId();
}
