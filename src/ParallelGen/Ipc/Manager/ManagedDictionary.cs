using ParallelGen.Dispatch;
using ParallelGen.Ipc;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen;

/// <summary>
/// A proxy for a dictionary served by a <see cref="ProcessManager"/> (Python's <c>manager.dict()</c>): every
/// operation runs in the manager's process, so all processes holding the proxy see the same entries.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
[CrossProcessType(typeof(ManagedDictionaryFormatter<,>))]
public sealed class ManagedDictionary<TKey, TValue> : IDisposable, MemoryPack.IMemoryPackFormatterRegister
    where TKey : notnull
{
    private readonly ManagerConnection _connection;

    static ManagedDictionary() => ManagedDictionaryFormatter<TKey, TValue>.Register();

    internal ManagedDictionary(ManagerAddress address) => _connection = new ManagerConnection(address);

    internal ManagerAddress Address => _connection.Address;

    /// <summary>Gets or sets the value for <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">Getting a key that is not there.</exception>
    public TValue this[TKey key]
    {
        get => TryGetValue(key, out TValue value) ? value : throw new KeyNotFoundException($"The key '{key}' is not in the managed dictionary.");
        set => _connection.Call((byte)DictionaryOp.Set, b => { Payload.Write(b, key); Payload.Write(b, value); }, _ => 0);
    }

    /// <summary>Gets the number of entries.</summary>
    public int Count => _connection.Call((byte)DictionaryOp.Count, null, r => Payload.Read<int>(r.Span));

    /// <summary>Gets the value for <paramref name="key"/>, if there is one.</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        (bool found, TValue result) = _connection.Call((byte)DictionaryOp.Get, b => Payload.Write(b, key), r =>
        {
            ReadOnlySpan<byte> span = r.Span;
            bool found = Payload.ReadNext<bool>(ref span);
            return (found, found ? Payload.ReadNext<TValue>(ref span) : default!);
        });
        value = result;
        return found;
    }

    /// <summary>Gets whether <paramref name="key"/> is there.</summary>
    public bool ContainsKey(TKey key) => TryGetValue(key, out _);

    /// <summary>Removes <paramref name="key"/>; returns whether it was there.</summary>
    public bool Remove(TKey key) => _connection.Call((byte)DictionaryOp.Remove, b => Payload.Write(b, key), r => Payload.Read<bool>(r.Span));

    /// <summary>Removes every entry.</summary>
    public void Clear() => _connection.Call((byte)DictionaryOp.Clear, null, _ => 0);

    /// <summary>Gets a snapshot of the keys.</summary>
    public IReadOnlyList<TKey> Keys => _connection.Call((byte)DictionaryOp.Keys, null, r =>
    {
        ReadOnlySpan<byte> span = r.Span;
        int count = Payload.ReadNext<int>(ref span);
        List<TKey> keys = new(count);
        for (int i = 0; i < count; i++)
        {
            keys.Add(Payload.ReadNext<TKey>(ref span));
        }

        return keys;
    });

    /// <summary>Copies the entries into a local dictionary (one request per entry).</summary>
    public Dictionary<TKey, TValue> ToDictionary()
    {
        Dictionary<TKey, TValue> copy = [];
        foreach (TKey key in Keys)
        {
            if (TryGetValue(key, out TValue value))
            {
                copy[key] = value;
            }
        }

        return copy;
    }

    /// <summary>Closes this process's connection to the manager (the next operation opens a new one).</summary>
    public void Dispose() => _connection.Dispose();

    /// <summary>Registers the formatter when MemoryPack first meets the type (a dictionary stored in another proxy or a record).</summary>
    static void MemoryPack.IMemoryPackFormatterRegister.RegisterFormatter() => ManagedDictionaryFormatter<TKey, TValue>.Register();
}

/// <summary>The manager-side dictionary behind a <see cref="ManagedDictionary{TKey, TValue}"/>.</summary>
internal sealed class DictionaryHost<TKey, TValue> : IManagedObject
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _items = [];

    public void Handle(byte operation, ReadOnlySpan<byte> arguments, FrameBuffer result)
    {
        switch (operation)
        {
            case (byte)DictionaryOp.Get:
                bool found = _items.TryGetValue(Payload.ReadNext<TKey>(ref arguments), out TValue? value);
                Payload.Write(result, found);
                if (found)
                {
                    Payload.Write(result, value);
                }

                break;
            case (byte)DictionaryOp.Set:
                TKey key = Payload.ReadNext<TKey>(ref arguments);
                _items[key] = Payload.ReadNext<TValue>(ref arguments);
                break;
            case (byte)DictionaryOp.Remove:
                Payload.Write(result, _items.Remove(Payload.ReadNext<TKey>(ref arguments)));
                break;
            case (byte)DictionaryOp.Count:
                Payload.Write(result, _items.Count);
                break;
            case (byte)DictionaryOp.Keys:
                Payload.Write(result, _items.Count);
                foreach (TKey each in _items.Keys)
                {
                    Payload.Write(result, each);
                }

                break;
            case (byte)DictionaryOp.Clear:
                _items.Clear();
                break;
            default:
                throw new InvalidDataException($"Unknown dictionary operation {operation}.");
        }
    }
}

/// <summary>Serializes a <see cref="ManagedDictionary{TKey, TValue}"/> as its manager's address.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ManagedDictionaryFormatter<TKey, TValue> : MemoryPack.MemoryPackFormatter<ManagedDictionary<TKey, TValue>>
    where TKey : notnull
{
    /// <inheritdoc/>
    public override void Serialize<TBufferWriter>(ref MemoryPack.MemoryPackWriter<TBufferWriter> writer, scoped ref ManagedDictionary<TKey, TValue>? value) =>
        ManagerAddressFormat.Write(ref writer, value?.Address);

    /// <inheritdoc/>
    public override void Deserialize(ref MemoryPack.MemoryPackReader reader, scoped ref ManagedDictionary<TKey, TValue>? value) =>
        value = ManagerAddressFormat.Read(ref reader) is { } address ? ManagerAddressFormat.Proxy(address, static a => new ManagedDictionary<TKey, TValue>(a)) : null;

    /// <summary>Registers this formatter with MemoryPack, replacing an error formatter left by an earlier failed look-up.</summary>
    internal static void Register() => MemoryPack.MemoryPackFormatterProvider.Register(new ManagedDictionaryFormatter<TKey, TValue>());
}
