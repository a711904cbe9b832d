using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// An array of an unmanaged type in shared memory (Python's <c>multiprocessing.Array</c> and <c>shared_memory</c>):
/// passed to a task, only its name crosses, never its contents, so a 64 MiB array costs nothing to hand over, and
/// what a worker writes the parent sees.
/// </summary>
/// <typeparam name="T">An unmanaged element type.</typeparam>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class SharedArray<T> : SharedObject, ISharedObject<SharedArray<T>>, MemoryPack.IMemoryPackFormatterRegister
    where T : unmanaged
{
    private const int DataOffset = SyncCell.Size;

    static SharedArray() => SharedObjectFormatter<SharedArray<T>>.Register();

    private SharedArray(SharedSegment memory, int length, bool withLock)
        : base(memory)
    {
        Length = length;
        Lock = withLock ? ProcessLock.ViewOf(memory) : null;
    }

    /// <summary>Creates a zero-filled shared array.</summary>
    /// <param name="length">The number of elements.</param>
    /// <param name="withLock">Whether to create <see cref="Lock"/>.</param>
    public SharedArray(int length, bool withLock = true)
        : this(SharedSegment.Create(DataOffset + ((long)length * sizeof(T)) + 5), length, withLock)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        SyncCell.Initialize(Data);
        *(int*)(Data + TrailerOffset(length)) = length;
        Data[TrailerOffset(length) + 4] = withLock ? (byte)1 : (byte)0;
    }

    /// <summary>Gets the number of elements.</summary>
    public int Length { get; }

    /// <summary>Gets the lock that guards the array, or <see langword="null"/> when created without one.</summary>
    public ProcessLock? Lock { get; }

    /// <summary>Gets a reference to element <paramref name="index"/>.</summary>
    public ref T this[int index] => ref AsSpan()[index];

    /// <summary>Gets the shared elements as a span: reads and writes go straight to shared memory.</summary>
    public Span<T> AsSpan() => new(Data + DataOffset, Length);

    /// <summary>Copies the elements into a new managed array.</summary>
    public T[] ToArray() => AsSpan().ToArray();

    static SharedArray<T> ISharedObject<SharedArray<T>>.Open(SharedSegment memory)
    {
        long trailer = memory.Size - 5;
        int length = *(int*)(memory.Pointer + trailer);
        return new SharedArray<T>(memory, length, memory.Pointer[trailer + 4] != 0);
    }

    private static long TrailerOffset(int length) => DataOffset + ((long)length * sizeof(T));

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<SharedArray<T>>.Register();
}
