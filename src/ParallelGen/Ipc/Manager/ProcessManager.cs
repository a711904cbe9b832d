using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ParallelGen.Ipc;
using ParallelGen.Platform;
using ParallelGen.Transport;

namespace ParallelGen;

/// <summary>
/// Serves shared dictionaries and lists from this process to any process they are passed to (Python's
/// <c>multiprocessing.Manager()</c>): every operation on a proxy is a request to this process, so the data lives in
/// one place and every process sees the same state.
/// </summary>
/// <remarks>
/// <para>The manager listens on a Unix domain socket in a new directory only the current user can enter (0700) on
/// Linux, and on a named pipe only the current user's processes can open on Windows; every connection must first present the manager's random 32-byte secret, which travels only inside the proxies
/// passed to tasks. Nothing listens on a network port.</para>
/// <para>For queues, <see cref="Queue{T}"/> returns a <see cref="ProcessQueue{T}"/>, which lives in shared memory and
/// is faster than a served queue; it works everywhere Python's <c>Manager().Queue()</c> is used.</para>
/// <para>Disposing the manager stops the server: proxies then throw <see cref="IOException"/>.</para>
/// </remarks>
public sealed class ProcessManager : IDisposable
{
    private readonly LocalListener _listener;
    private readonly Dictionary<int, IManagedObject> _objects = [];
    private readonly List<Stream> _connections = [];
    private int _nextId;
    private volatile bool _disposed;

    /// <summary>Starts a manager serving from this process.</summary>
    /// <exception cref="PlatformNotSupportedException">The operating system is not supported (see README's platform statement).</exception>
    public ProcessManager()
    {
        PlatformSupport.ThrowIfUnsupported();
        Secret = RandomNumberGenerator.GetBytes(32);
        _listener = LocalListener.Create("pg-manager-");
        SocketPath = _listener.Address;
        new Thread(AcceptLoop) { IsBackground = true, Name = "ParallelGen manager" }.Start();
    }

    /// <summary>Gets where the manager listens: its socket's path on Linux, its named pipe's path (<c>\\.\pipe\…</c>) on Windows.</summary>
    public string SocketPath { get; }

    internal byte[] Secret { get; }

    /// <summary>Creates a dictionary served by this manager (Python's <c>manager.dict()</c>).</summary>
    public ManagedDictionary<TKey, TValue> Dictionary<TKey, TValue>()
        where TKey : notnull =>
        new(new ManagerAddress(SocketPath, Secret, Register(new DictionaryHost<TKey, TValue>())));

    /// <summary>Creates a list served by this manager (Python's <c>manager.list()</c>).</summary>
    public ManagedList<T> List<T>() =>
        new(new ManagerAddress(SocketPath, Secret, Register(new ListHost<T>())));

    /// <summary>Creates a queue shared by processes (Python's <c>manager.Queue()</c>): a <see cref="ProcessQueue{T}"/> in shared memory.</summary>
    /// <param name="maxSize">The most items it holds; 0 for no limit but the ring's size.</param>
    public ProcessQueue<T> Queue<T>(int maxSize = 0) => new(maxSize);

    /// <summary>Stops serving and removes the socket.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _listener.Dispose();
        lock (_connections)
        {
            foreach (Stream connection in _connections)
            {
                connection.Dispose();
            }
        }
    }

    private int Register(IManagedObject managed)
    {
        lock (_objects)
        {
            int id = ++_nextId;
            _objects[id] = managed;
            return id;
        }
    }

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            if (_listener.Accept() is not { } connection)
            {
                return;
            }

            lock (_connections)
            {
                if (_disposed)
                {
                    connection.Dispose();
                    return;
                }

                _connections.Add(connection);
            }

            new Thread(() => Serve(connection)) { IsBackground = true, Name = "ParallelGen manager connection" }.Start();
        }
    }

    private void Serve(Stream connection)
    {
        using Stream socket = connection;
        using FrameBuffer response = new(256);
        try
        {
            byte[] secret = new byte[Secret.Length];
            socket.ReadExactly(secret);
            if (!CryptographicOperations.FixedTimeEquals(secret, Secret))
            {
                return; // Not one of ours: hang up without a word.
            }

            byte[] header = new byte[4];
            byte[] body = [];
            while (true)
            {
                socket.ReadExactly(header);
                int length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if (length < 5 || length > FrameBuffer.DefaultMaxFrameLength)
                {
                    return;
                }

                if (body.Length < length)
                {
                    body = new byte[length];
                }

                socket.ReadExactly(body.AsSpan(0, length));
                int id = BinaryPrimitives.ReadInt32LittleEndian(body);
                response.Clear();
                response.WriteInt32(0);
                Handle(id, body[4], body.AsSpan(5, length - 5), response);
                BinaryPrimitives.WriteInt32LittleEndian(response.GetSpanAt(0), response.Length - 4);
                socket.Write(response.WrittenSpan);
                socket.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The client went away.
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(connection);
            }
        }
    }

    private void Handle(int id, byte operation, ReadOnlySpan<byte> arguments, FrameBuffer response)
    {
        IManagedObject? managed;
        lock (_objects)
        {
            _objects.TryGetValue(id, out managed);
        }

        int start = response.Length;
        try
        {
            if (managed is null)
            {
                throw new InvalidOperationException($"The manager has no object {id}.");
            }

            response.WriteByte(0);
            lock (managed)
            {
                managed.Handle(operation, arguments, response);
            }
        }
        catch (Exception e)
        {
            response.Truncate(start);
            response.WriteByte(1);
            response.Write(Encoding.UTF8.GetBytes($"{e.GetType().FullName}: {e.Message}"));
        }
    }
}
