using System.ComponentModel;

namespace ParallelGen.Ipc;

/// <summary>Writes a shared object as its segment name and size, and maps it again on the other side.</summary>
/// <typeparam name="T">The shared object type.</typeparam>
/// <remarks>One formatter serves every shared object: the generator registers it closed over each shared type a task
/// signature mentions (the type's <see cref="Dispatch.CrossProcessTypeAttribute"/> says so).</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SharedObjectFormatter<T> : MemoryPack.MemoryPackFormatter<T>
    where T : SharedObject, ISharedObject<T>
{
    /// <summary>
    /// Registers the formatter for <typeparamref name="T"/> with MemoryPack (again, if need be: a failed look-up before
    /// it leaves an error formatter behind, which this replaces). Each shared
    /// type calls it from its static constructor (so a process that made an object can serialize it wherever it sits,
    /// in a record or in another proxy) and from <c>IMemoryPackFormatterRegister</c>, which MemoryPack calls on first
    /// meeting the type when it deserializes under the JIT. Generated code registers the types that task signatures
    /// mention, which is what Native AOT relies on.
    /// </summary>
    internal static void Register() => MemoryPack.MemoryPackFormatterProvider.Register(new SharedObjectFormatter<T>());

    /// <inheritdoc/>
    public override void Serialize<TBufferWriter>(ref MemoryPack.MemoryPackWriter<TBufferWriter> writer, scoped ref T? value)
    {
        if (value is null)
        {
            writer.WriteNullObjectHeader();
            return;
        }

        writer.WriteObjectHeader(2);
        writer.WriteString(value.Name);
        writer.WriteUnmanaged(value.Size);
    }

    /// <inheritdoc/>
    public override void Deserialize(ref MemoryPack.MemoryPackReader reader, scoped ref T? value)
    {
        if (!reader.TryReadObjectHeader(out byte count) || count != 2)
        {
            value = null;
            return;
        }

        string name = reader.ReadString() ?? throw new InvalidDataException("A shared object without a name.");
        reader.ReadUnmanaged(out long size);
        value = SharedObject.Open(name, size, static segment => T.Open(segment));
    }
}
