using System.IO.Pipes;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace ParallelGen.Platform.Windows;

/// <summary>
/// A <see cref="LocalListener"/> on Windows: a named pipe (<c>\\.\pipe\pg-manager-&lt;pid&gt;-&lt;random&gt;</c>) created
/// with <see cref="PipeOptions.CurrentUserOnly"/>, so only the current user's processes can open it, and one instance
/// always waiting, so a client never finds it busy.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class NamedPipeListener : LocalListener
{
    private const string PipePrefix = @"\\.\pipe\";

    /// <summary>How long a client waits for a free instance of the pipe before it gives up.</summary>
    private const int ConnectTimeoutMilliseconds = 5_000;

    private readonly string _name;
    private readonly CancellationTokenSource _stop = new();
    private NamedPipeServerStream _next;

    public NamedPipeListener(string prefix)
    {
        _name = $"{prefix}{Environment.ProcessId}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}";
        _next = NewInstance();
    }

    public override string Address => PipePrefix + _name;

    public static Stream ConnectTo(string address)
    {
        if (!address.StartsWith(PipePrefix, StringComparison.Ordinal))
        {
            throw new IOException($"'{address}' is not a named pipe.");
        }

        NamedPipeClientStream client = new(".", address[PipePrefix.Length..], PipeDirection.InOut, PipeOptions.CurrentUserOnly);
        try
        {
            client.Connect(ConnectTimeoutMilliseconds);
            return client;
        }
        catch (Exception e) when (e is TimeoutException or UnauthorizedAccessException)
        {
            client.Dispose();
            throw new IOException($"Nothing listens at {address}: {e.Message}", e);
        }
    }

    public override Stream? Accept()
    {
        while (true)
        {
            NamedPipeServerStream connected = _next;
            try
            {
                connected.WaitForConnectionAsync(_stop.Token).GetAwaiter().GetResult();
                Renew(); // Before serving this one, so the next client finds an instance waiting.
                return connected;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                connected.Dispose();
                return null;
            }
            catch (IOException) when (!_stop.IsCancellationRequested)
            {
                connected.Dispose(); // A client that connected and left at once: wait for the next.
                Renew();
            }
        }
    }

    public override void Dispose()
    {
        _stop.Cancel();
        _next.Dispose();
    }

    private void Renew()
    {
        _next = NewInstance();
        if (_stop.IsCancellationRequested)
        {
            _next.Dispose(); // Disposed meanwhile: no instance may outlive the listener.
        }
    }

    private NamedPipeServerStream NewInstance() =>
        new(_name, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances, PipeTransmissionMode.Byte,
            PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
}
