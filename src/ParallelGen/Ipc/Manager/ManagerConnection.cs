using System.Buffers.Binary;
using System.Text;
using ParallelGen.Platform;
using ParallelGen.Transport;

namespace ParallelGen.Ipc;

/// <summary>Where a managed object lives: the manager's address (a socket path or a named pipe), its secret, and the object's id there.</summary>
internal sealed record ManagerAddress(string SocketPath, byte[] Secret, int ObjectId);

/// <summary>An object served by a <see cref="ProcessManager"/>: answers one operation at a time.</summary>
internal interface IManagedObject
{
    /// <summary>Runs <paramref name="operation"/> on <paramref name="arguments"/> and writes its result.</summary>
    void Handle(byte operation, ReadOnlySpan<byte> arguments, FrameBuffer result);
}

/// <summary>A proxy's connection to its manager: connects and authenticates on first use, then one request at a time.</summary>
internal sealed class ManagerConnection(ManagerAddress address) : IDisposable
{
    private readonly object _lock = new();
    private readonly FrameBuffer _request = new(256);
    private Stream? _socket;
    private byte[] _response = new byte[256];

    public ManagerAddress Address { get; } = address;

    /// <summary>Sends one operation and returns its result bytes (valid until the next call).</summary>
    /// <exception cref="InvalidOperationException">The operation failed in the manager.</exception>
    /// <exception cref="IOException">The manager is gone.</exception>
    public T Call<T>(byte operation, Action<FrameBuffer>? writeArguments, Func<ReadOnlyMemory<byte>, T> readResult)
    {
        lock (_lock)
        {
            try
            {
                Stream socket = _socket ??= Connect();
                _request.Clear();
                _request.WriteInt32(0);
                _request.WriteInt32(Address.ObjectId);
                _request.WriteByte(operation);
                writeArguments?.Invoke(_request);
                BinaryPrimitives.WriteInt32LittleEndian(_request.GetSpanAt(0), _request.Length - 4);
                socket.Write(_request.WrittenSpan);
                socket.Flush();

                Span<byte> header = stackalloc byte[4];
                socket.ReadExactly(header);
                int length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if (_response.Length < length)
                {
                    _response = new byte[length];
                }

                socket.ReadExactly(_response.AsSpan(0, length));
                if (_response[0] != 0)
                {
                    throw new InvalidOperationException("The manager could not run the operation: " + Encoding.UTF8.GetString(_response, 1, length - 1));
                }

                return readResult(_response.AsMemory(1, length - 1));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                _socket?.Dispose();
                _socket = null;
                throw new IOException($"The ProcessManager at {Address.SocketPath} cannot be reached; it was disposed or its process exited.", e);
            }
        }
    }

    /// <summary>Closes the connection; a later call connects again.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }

    private Stream Connect()
    {
        Stream stream = LocalListener.Connect(Address.SocketPath);
        try
        {
            stream.Write(Address.Secret);
            stream.Flush();
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }
}

/// <summary>Serializes a manager proxy as its manager's address.</summary>
internal static class ManagerAddressFormat
{
    private static readonly Dictionary<(string SocketPath, int ObjectId), object> s_proxies = [];

    /// <summary>
    /// Returns this process's proxy for <paramref name="address"/>, creating it the first time: a task called a
    /// thousand times with the same proxy opens one connection, not a thousand.
    /// </summary>
    public static T Proxy<T>(ManagerAddress address, Func<ManagerAddress, T> create)
        where T : class
    {
        lock (s_proxies)
        {
            if (s_proxies.TryGetValue((address.SocketPath, address.ObjectId), out object? existing) && existing is T proxy)
            {
                return proxy;
            }

            T created = create(address);
            s_proxies[(address.SocketPath, address.ObjectId)] = created;
            return created;
        }
    }

    public static void Write<TBufferWriter>(ref MemoryPack.MemoryPackWriter<TBufferWriter> writer, ManagerAddress? address)
        where TBufferWriter : System.Buffers.IBufferWriter<byte>
    {
        if (address is null)
        {
            writer.WriteNullObjectHeader();
            return;
        }

        writer.WriteObjectHeader(3);
        writer.WriteString(address.SocketPath);
        writer.WriteUnmanagedSpan(address.Secret.AsSpan());
        writer.WriteUnmanaged(address.ObjectId);
    }

    public static ManagerAddress? Read(ref MemoryPack.MemoryPackReader reader)
    {
        if (!reader.TryReadObjectHeader(out _))
        {
            return null;
        }

        string path = reader.ReadString() ?? throw new InvalidDataException("A manager proxy without a socket path.");
        byte[]? secret = reader.ReadUnmanagedArray<byte>();
        reader.ReadUnmanaged(out int id);
        return new ManagerAddress(path, secret ?? [], id);
    }
}
