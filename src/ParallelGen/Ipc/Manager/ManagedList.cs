using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen;

/// <summary>
/// A proxy for a list served by a <see cref="ProcessManager"/> (Python's <c>manager.list()</c>): every operation runs
/// in the manager's process, so all processes holding the proxy see the same items.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
[CrossProcessType(typeof(ManagedListFormatter<>))]
public sealed class ManagedList<T> : IDisposable, MemoryPack.IMemoryPackFormatterRegister
{
    private readonly ManagerConnection _connection;

    static ManagedList() => ManagedListFormatter<T>.Register();

    internal ManagedList(ManagerAddress address) => _connection = new ManagerConnection(address);

    internal ManagerAddress Address => _connection.Address;

    /// <summary>Gets or sets the item at <paramref name="index"/>.</summary>
    public T this[int index]
    {
        get => _connection.Call((byte)ListOp.Get, b => Payload.Write(b, index), r => Payload.Read<T>(r.Span));
        set => _connection.Call((byte)ListOp.Set, b => { Payload.Write(b, index); Payload.Write(b, value); }, _ => 0);
    }

    /// <summary>Gets the number of items.</summary>
    public int Count => _connection.Call((byte)ListOp.Count, null, r => Payload.Read<int>(r.Span));

    /// <summary>Appends an item (atomically: concurrent appends from many processes all land).</summary>
    public void Add(T item) => _connection.Call((byte)ListOp.Add, b => Payload.Write(b, item), _ => 0);

    /// <summary>Removes the item at <paramref name="index"/>.</summary>
    public void RemoveAt(int index) => _connection.Call((byte)ListOp.RemoveAt, b => Payload.Write(b, index), _ => 0);

    /// <summary>Removes every item.</summary>
    public void Clear() => _connection.Call((byte)ListOp.Clear, null, _ => 0);

    /// <summary>Copies the items into a local list (one request per item).</summary>
    public List<T> ToList()
    {
        int count = Count;
        List<T> copy = new(count);
        for (int i = 0; i < count; i++)
        {
            copy.Add(this[i]);
        }

        return copy;
    }

    /// <summary>Closes this process's connection to the manager (the next operation opens a new one).</summary>
    public void Dispose() => _connection.Dispose();

    /// <summary>Registers the formatter when MemoryPack first meets the type (a list stored in another proxy or a record).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => ManagedListFormatter<T>.Register();
}

/// <summary>The manager-side list behind a <see cref="ManagedList{T}"/>.</summary>
internal sealed class ListHost<T> : IManagedObject
{
    private readonly List<T> _items = [];

    public void Handle(byte operation, ReadOnlySpan<byte> arguments, FrameBuffer result)
    {
        switch (operation)
        {
            case (byte)ListOp.Add:
                _items.Add(Payload.ReadNext<T>(ref arguments));
                break;
            case (byte)ListOp.Get:
                Payload.Write(result, _items[Payload.ReadNext<int>(ref arguments)]);
                break;
            case (byte)ListOp.Set:
                int index = Payload.ReadNext<int>(ref arguments);
                _items[index] = Payload.ReadNext<T>(ref arguments);
                break;
            case (byte)ListOp.Count:
                Payload.Write(result, _items.Count);
                break;
            case (byte)ListOp.RemoveAt:
                _items.RemoveAt(Payload.ReadNext<int>(ref arguments));
                break;
            case (byte)ListOp.Clear:
                _items.Clear();
                break;
            default:
                throw new InvalidDataException($"Unknown list operation {operation}.");
        }
    }
}

/// <summary>Serializes a <see cref="ManagedList{T}"/> as its manager's address.</summary>
/// <typeparam name="T">The item type.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ManagedListFormatter<T> : MemoryPack.MemoryPackFormatter<ManagedList<T>>
{
    /// <inheritdoc/>
    public override void Serialize<TBufferWriter>(ref MemoryPack.MemoryPackWriter<TBufferWriter> writer, scoped ref ManagedList<T>? value) =>
        ManagerAddressFormat.Write(ref writer, value?.Address);

    /// <inheritdoc/>
    public override void Deserialize(ref MemoryPack.MemoryPackReader reader, scoped ref ManagedList<T>? value) =>
        value = ManagerAddressFormat.Read(ref reader) is { } address ? ManagerAddressFormat.Proxy(address, static a => new ManagedList<T>(a)) : null;

    /// <summary>Registers this formatter with MemoryPack, replacing an error formatter left by an earlier failed look-up.</summary>
    internal static void Register() => MemoryPack.MemoryPackFormatterProvider.Register(new ManagedListFormatter<T>());
}
