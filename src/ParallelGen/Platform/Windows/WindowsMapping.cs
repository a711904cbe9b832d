using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Windows;

/// <summary>
/// A <see cref="SharedSegment"/> on Windows: a named file mapping backed by the paging file, in the session's
/// <c>Local\</c> namespace, with the default security of the creating user. The kernel object goes with its last
/// handle, so a process that dies leaves nothing behind: there is nothing to sweep.
/// </summary>
/// <remarks>
/// <para>A private 64-byte header precedes the bytes the segment's users see: the segment's size, a "removed" flag
/// (once the owner has disposed it, opening it by name fails as on Linux, although processes that map it keep the
/// memory) and, for a segment that must outlive its creator (a queue's overflow item, named after the queue's
/// creator), the handle this process gave the lifetime process, which keeps the mapping there until it is removed.</para>
/// <para>The <see cref="WindowsSync"/> handles of the sync cells inside the segment are kept here and closed with
/// the mapping.</para>
/// </remarks>
[SupportedOSPlatform("windows")]
internal sealed unsafe class WindowsMapping
{
    /// <summary>The bytes before the users' part.</summary>
    public const int HeaderSize = 64;

    private const int Magic = 0x4D534750; // "PGSM"
    private const int MagicOffset = 0;
    private const int SizeOffset = 8;
    private const int RemovedOffset = 16;
    private const int HolderPidOffset = 20;
    private const int HolderHandleOffset = 24;

    /// <summary>Every mapping of this process, so that a sync cell's handles can be filed with the mapping it is in.</summary>
    private static readonly List<WindowsMapping> s_live = [];

    /// <summary>The handles of the sync cells in <see cref="s_live"/>, by the cell's address: the fast path of every lock.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<nint, WindowsSync.Handles> s_cells = new();

    private readonly Dictionary<nint, WindowsSync.Handles> _cells = [];
    private nint _handle;
    private byte* _view;

    private WindowsMapping(nint handle, byte* view, long size)
    {
        _handle = handle;
        _view = view;
        Size = size;
        lock (s_live)
        {
            s_live.Add(this);
        }
    }

    /// <summary>Gets the start of the users' bytes.</summary>
    public byte* Pointer => _view + HeaderSize;

    public long Size { get; }

    private ref int Removed => ref *(int*)(_view + RemovedOffset);

    /// <summary>Creates a zero-filled segment of <paramref name="size"/> bytes.</summary>
    /// <param name="name">The segment's ParallelGen name (<c>/pg-…</c>).</param>
    /// <param name="size">The users' bytes.</param>
    /// <param name="holderPid">Another process to hold the mapping until it is removed (0: none).</param>
    /// <exception cref="IOException">The mapping cannot be created (out of memory or commit, or the name is taken).</exception>
    public static WindowsMapping Create(string name, long size, int holderPid)
    {
        long total = size + HeaderSize;
        nint handle = Kernel32.CreateFileMappingW(
            Kernel32.INVALID_HANDLE_VALUE, null, Kernel32.PAGE_READWRITE, (uint)(total >> 32), (uint)total, KernelName(name));
        if (handle == 0)
        {
            throw Kernel32.LastError($"CreateFileMapping of {name}");
        }

        if (Marshal.GetLastPInvokeError() == Kernel32.ERROR_ALREADY_EXISTS)
        {
            Kernel32.CloseHandle(handle);
            throw new IOException($"The shared-memory name {name} is already taken.");
        }

        byte* view = MapView(handle, name);
        *(int*)(view + MagicOffset) = Magic;
        *(long*)(view + SizeOffset) = size;
        if (holderPid != 0 && holderPid != Environment.ProcessId)
        {
            GiveHandle(handle, holderPid, view);
        }

        return new WindowsMapping(handle, view, size);
    }

    /// <summary>Maps an existing segment.</summary>
    /// <exception cref="FileNotFoundException">No process has it, or its owner removed it.</exception>
    /// <exception cref="InvalidDataException">It is smaller than <paramref name="size"/>, or not a ParallelGen segment.</exception>
    public static WindowsMapping Open(string name, long size)
    {
        WindowsMapping mapping = TryOpen(name) ?? throw Gone(name);
        if (Volatile.Read(ref mapping.Removed) != 0)
        {
            mapping.Close();
            throw Gone(name);
        }

        if (mapping.Size < size)
        {
            long actual = mapping.Size;
            mapping.Close();
            throw new InvalidDataException($"The shared object '{name}' has {actual} bytes, not the {size} announced.");
        }

        return mapping;
    }

    /// <summary>Gets whether the segment is there and not removed.</summary>
    public static bool Exists(string name)
    {
        WindowsMapping? mapping = TryOpen(name);
        if (mapping is null)
        {
            return false;
        }

        bool removed = Volatile.Read(ref mapping.Removed) != 0;
        mapping.Close();
        return !removed;
    }

    /// <summary>Marks the segment removed by name, whoever created it (nothing if it is gone already).</summary>
    public static void Remove(string name)
    {
        if (TryOpen(name) is { } mapping)
        {
            mapping.MarkRemoved();
            mapping.Close();
        }
    }

    /// <summary>Finds the handles of the sync cell at <paramref name="cell"/>, or opens them and files them with the mapping the cell is in.</summary>
    /// <returns>The handles, and whether the caller must close them itself (a cell outside every mapping of this process).</returns>
    public static WindowsSync.Handles HandlesOf(byte* cell, ReadOnlySpan<byte> id, out bool unfiled)
    {
        unfiled = false;
        if (s_cells.TryGetValue((nint)cell, out WindowsSync.Handles? filed) && filed.Matches(id))
        {
            return filed;
        }

        lock (s_live)
        {
            foreach (WindowsMapping mapping in s_live)
            {
                if (cell >= mapping.Pointer && cell < mapping.Pointer + mapping.Size)
                {
                    if (mapping._cells.TryGetValue((nint)cell, out WindowsSync.Handles? stale))
                    {
                        stale.Close(); // A cell initialized again at the same place.
                    }

                    WindowsSync.Handles handles = WindowsSync.Handles.Open(id);
                    mapping._cells[(nint)cell] = handles;
                    s_cells[(nint)cell] = handles;
                    return handles;
                }
            }
        }

        unfiled = true;
        return WindowsSync.Handles.Open(id);
    }

    /// <summary>Marks the segment removed: later opens by name fail, and a lifetime process lets go of its handle.</summary>
    public void MarkRemoved()
    {
        if (_view is null || Interlocked.Exchange(ref Removed, 1) != 0)
        {
            return;
        }

        // Exactly once (the flag above), so the handle closed in the holder is the one given to it and nothing else.
        int holderPid = *(int*)(_view + HolderPidOffset);
        long holderHandle = *(long*)(_view + HolderHandleOffset);
        if (holderPid != 0 && holderHandle != 0)
        {
            nint holder = holderPid == Environment.ProcessId
                ? Kernel32.GetCurrentProcess()
                : Kernel32.OpenProcess(Kernel32.PROCESS_DUP_HANDLE, false, holderPid);
            if (holder != 0)
            {
                Kernel32.DuplicateHandle(holder, (nint)holderHandle, 0, null, 0, false, Kernel32.DUPLICATE_CLOSE_SOURCE);
                if (holderPid != Environment.ProcessId)
                {
                    Kernel32.CloseHandle(holder);
                }
            }
        }
    }

    /// <summary>Closes the sync handles, unmaps the view and closes the mapping handle.</summary>
    public void Close()
    {
        lock (s_live)
        {
            s_live.Remove(this);
            foreach ((nint cell, WindowsSync.Handles handles) in _cells)
            {
                s_cells.TryRemove(new KeyValuePair<nint, WindowsSync.Handles>(cell, handles));
                handles.Close();
            }

            _cells.Clear();
        }

        if (_view is not null)
        {
            Kernel32.UnmapViewOfFile(_view);
            _view = null;
        }

        if (_handle != 0)
        {
            Kernel32.CloseHandle(_handle);
            _handle = 0;
        }
    }

    /// <summary>The kernel object's name for a ParallelGen segment name (<c>/pg-…</c> becomes <c>Local\pg-…</c>).</summary>
    private static string KernelName(string name) => @"Local\" + name.TrimStart('/');

    private static FileNotFoundException Gone(string name) =>
        new($"The shared object '{name}' no longer exists: the process that created it has disposed it or exited.", name);

    private static WindowsMapping? TryOpen(string name)
    {
        nint handle = Kernel32.OpenFileMappingW(Kernel32.FILE_MAP_READ | Kernel32.FILE_MAP_WRITE, false, KernelName(name));
        if (handle == 0)
        {
            return null;
        }

        byte* view = MapView(handle, name);
        if (*(int*)(view + MagicOffset) != Magic)
        {
            Kernel32.UnmapViewOfFile(view);
            Kernel32.CloseHandle(handle);
            throw new InvalidDataException($"'{name}' is not a ParallelGen shared object.");
        }

        return new WindowsMapping(handle, view, *(long*)(view + SizeOffset));
    }

    private static byte* MapView(nint handle, string name)
    {
        void* view = Kernel32.MapViewOfFile(handle, Kernel32.FILE_MAP_READ | Kernel32.FILE_MAP_WRITE, 0, 0, 0);
        if (view is null)
        {
            IOException error = Kernel32.LastError($"MapViewOfFile of {name}");
            Kernel32.CloseHandle(handle);
            throw error;
        }

        return (byte*)view;
    }

    /// <summary>Gives <paramref name="holderPid"/> a handle to the mapping, so it lives as long as that process unless removed.</summary>
    private static void GiveHandle(nint handle, int holderPid, byte* view)
    {
        nint holder = Kernel32.OpenProcess(Kernel32.PROCESS_DUP_HANDLE, false, holderPid);
        if (holder == 0)
        {
            return; // The holder is gone: the segment lives only as long as someone maps it, as a stale one would.
        }

        nint given;
        if (Kernel32.DuplicateHandle(Kernel32.GetCurrentProcess(), handle, holder, &given, 0, false, Kernel32.DUPLICATE_SAME_ACCESS))
        {
            *(int*)(view + HolderPidOffset) = holderPid;
            *(long*)(view + HolderHandleOffset) = given;
        }

        Kernel32.CloseHandle(holder);
    }
}
