using System.Runtime.CompilerServices;
using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Platform;

namespace ParallelGen;

/// <summary>
/// One value of an unmanaged type in shared memory, seen by the parent and every worker it is passed to (Python's
/// <c>multiprocessing.Value</c>). Reads and writes of <see cref="Value"/> are not atomic together: take
/// <see cref="Lock"/> for read-modify-write, as with Python's <c>get_lock()</c>.
/// </summary>
/// <typeparam name="T">An unmanaged type: a number, <see langword="bool"/>, an enum or a struct of such.</typeparam>
/// <example><code>using (counter.Lock!.EnterScope()) { counter.Value++; }</code></example>
[CrossProcessType(typeof(SharedObjectFormatter<>), OverMarkedType = true)]
public sealed unsafe class SharedValue<T> : SharedObject, ISharedObject<SharedValue<T>>, MemoryPack.IMemoryPackFormatterRegister
    where T : unmanaged
{
    private const int DataOffset = SyncCell.Size;

    static SharedValue() => SharedObjectFormatter<SharedValue<T>>.Register();

    private SharedValue(SharedSegment memory, bool withLock)
        : base(memory)
    {
        Lock = withLock ? ProcessLock.ViewOf(memory) : null;
    }

    /// <summary>Creates a shared value.</summary>
    /// <param name="initialValue">The value at start.</param>
    /// <param name="withLock">Whether to create <see cref="Lock"/> (Python's <c>lock=True</c>, the default).</param>
    public SharedValue(T initialValue = default, bool withLock = true)
        : this(SharedSegment.Create(DataOffset + sizeof(T) + 1), withLock)
    {
        SyncCell.Initialize(Data);
        Data[DataOffset + sizeof(T)] = withLock ? (byte)1 : (byte)0;
        Value = initialValue;
    }

    /// <summary>Gets or sets the value.</summary>
    public T Value
    {
        get => Unsafe.ReadUnaligned<T>(Data + DataOffset);
        set => Unsafe.WriteUnaligned(Data + DataOffset, value);
    }

    /// <summary>Gets a reference to the shared storage, e.g. for <c>Interlocked.Increment(ref counter.Target)</c>.</summary>
    public ref T Target => ref Unsafe.AsRef<T>(Data + DataOffset);

    /// <summary>Gets the lock that guards the value, or <see langword="null"/> when created without one.</summary>
    public ProcessLock? Lock { get; }

    static SharedValue<T> ISharedObject<SharedValue<T>>.Open(SharedSegment memory) => new(memory, memory.Pointer[DataOffset + sizeof(T)] != 0);

    /// <summary>Registers the formatter when MemoryPack first meets the type (inside a record or a proxy).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => SharedObjectFormatter<SharedValue<T>>.Register();
}
