using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace ParallelGen.Platform.Linux;

/// <summary>A <see cref="LocalListener"/> on Linux: a Unix domain socket in a new directory only the current user can enter (0700).</summary>
[SupportedOSPlatform("linux")]
internal sealed class UnixSocketListener : LocalListener
{
    private readonly Socket _listener;
    private readonly string _directory;

    public UnixSocketListener(string prefix)
    {
        _directory = Path.Combine(Path.GetTempPath(), $"{prefix}{Environment.ProcessId}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant()}");
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Address = Path.Combine(_directory, "manager.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Address));
        _listener.Listen(64);
    }

    public override string Address { get; }

    public static Stream ConnectTo(string address)
    {
        Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(address));
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"Nothing listens at {address}: {e.Message}", e);
        }
    }

    public override Stream? Accept()
    {
        try
        {
            return new NetworkStream(_listener.Accept(), ownsSocket: true);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    public override void Dispose()
    {
        _listener.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
