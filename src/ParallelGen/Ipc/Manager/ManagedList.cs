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
public sealed class ManagedList<T> : IDisposable
{
    private const byte OpAdd = 1;
    private const byte OpGet = 2;
    private const byte OpSet = 3;
    private const byte OpCount = 4;
    private const byte OpRemoveAt = 5;
    private const byte OpClear = 6;

    private readonly ManagerConnection _connection;

    internal ManagedList(ManagerAddress address) => _connection = new ManagerConnection(address);

    internal ManagerAddress Address => _connection.Address;

    /// <summary>Gets or sets the item at <paramref name="index"/>.</summary>
    public T this[int index]
    {
        get => _connection.Call(OpGet, b => Payload.Write(b, index), r => Payload.Read<T>(r.Span));
        set => _connection.Call(OpSet, b => { Payload.Write(b, index); Payload.Write(b, value); }, _ => 0);
    }

    /// <summary>Gets the number of items.</summary>
    public int Count => _connection.Call(OpCount, null, r => Payload.Read<int>(r.Span));

    /// <summary>Appends an item (atomically: concurrent appends from many processes all land).</summary>
    public void Add(T item) => _connection.Call(OpAdd, b => Payload.Write(b, item), _ => 0);

    /// <summary>Removes the item at <paramref name="index"/>.</summary>
    public void RemoveAt(int index) => _connection.Call(OpRemoveAt, b => Payload.Write(b, index), _ => 0);

    /// <summary>Removes every item.</summary>
    public void Clear() => _connection.Call(OpClear, null, _ => 0);

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
}

/// <summary>The manager-side list behind a <see cref="ManagedList{T}"/>.</summary>
internal sealed class ListHost<T> : IManagedObject
{
    private readonly List<T> _items = [];

    public void Handle(byte operation, ReadOnlySpan<byte> arguments, FrameBuffer result)
    {
        switch (operation)
        {
            case 1:
                _items.Add(Payload.ReadNext<T>(ref arguments));
                break;
            case 2:
                Payload.Write(result, _items[Payload.ReadNext<int>(ref arguments)]);
                break;
            case 3:
                int index = Payload.ReadNext<int>(ref arguments);
                _items[index] = Payload.ReadNext<T>(ref arguments);
                break;
            case 4:
                Payload.Write(result, _items.Count);
                break;
            case 5:
                _items.RemoveAt(Payload.ReadNext<int>(ref arguments));
                break;
            case 6:
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
}
