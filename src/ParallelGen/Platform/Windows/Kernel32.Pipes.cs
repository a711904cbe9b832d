using System.Runtime.InteropServices;

namespace ParallelGen.Platform.Windows;

/// <summary>Anonymous pipes.</summary>
internal static unsafe partial class Kernel32
{
    public const uint PIPE_WAIT = 0x0;
    public const uint PIPE_NOWAIT = 0x1;

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool CreatePipe(nint* readPipe, nint* writePipe, void* attributes, uint size);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool ReadFile(nint file, byte* buffer, int toRead, int* read, void* overlapped);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool WriteFile(nint file, byte* buffer, int toWrite, int* written, void* overlapped);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool PeekNamedPipe(nint pipe, void* buffer, int bufferSize, int* read, int* totalAvailable, int* leftThisMessage);

    [LibraryImport(Lib, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool SetNamedPipeHandleState(nint pipe, uint* mode, uint* maxCollectionCount, uint* collectDataTimeout);
}
