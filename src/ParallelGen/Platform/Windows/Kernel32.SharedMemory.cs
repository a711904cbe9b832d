using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Windows;

/// <summary>Named file mappings backed by the paging file (handing a handle to another process uses <c>DuplicateHandle</c> of Kernel32.Processes.cs).</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class Kernel32
{
    public const uint PAGE_READWRITE = 0x04;
    public const uint FILE_MAP_WRITE = 0x0002;
    public const uint FILE_MAP_READ = 0x0004;
    public const int ERROR_FILE_NOT_FOUND = 2;
    public const int ERROR_ALREADY_EXISTS = 183;

    public const uint PROCESS_DUP_HANDLE = 0x0040;
    public const uint DUPLICATE_CLOSE_SOURCE = 0x1;

    /// <summary>The "file" handle that makes <see cref="CreateFileMappingW"/> use the paging file.</summary>
    public static readonly nint INVALID_HANDLE_VALUE = -1;

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint CreateFileMappingW(nint file, void* attributes, uint protect, uint maximumSizeHigh, uint maximumSizeLow, string name);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint OpenFileMappingW(uint desiredAccess, [MarshalAs(UnmanagedType.Bool)] bool inheritHandle, string name);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial void* MapViewOfFile(nint mapping, uint desiredAccess, uint offsetHigh, uint offsetLow, nuint bytes);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool UnmapViewOfFile(void* address);

    [LibraryImport(Lib)]
    public static partial nint GetCurrentProcess();
}
