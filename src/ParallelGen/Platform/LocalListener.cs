namespace ParallelGen.Platform;

/// <summary>
/// A private stream endpoint for processes of the current user on this machine, never a network port: on Linux a
/// Unix domain socket in a new directory only the user can enter (0700, <see cref="Linux.UnixSocketListener"/>); on
/// Windows a named pipe that only the user's processes may open (<c>PipeOptions.CurrentUserOnly</c>,
/// <see cref="Windows.NamedPipeListener"/>). The manager serves its proxies through it.
/// </summary>
internal abstract class LocalListener : IDisposable
{
    /// <summary>Gets the address other processes connect to (a socket path, or <c>\\.\pipe\…</c>).</summary>
    public abstract string Address { get; }

    /// <summary>Starts listening at a new address, unique to this process and call, whose name begins with <paramref name="prefix"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">The system is not supported.</exception>
    public static LocalListener Create(string prefix) =>
        PlatformSupport.IsLinux ? new Linux.UnixSocketListener(prefix)
            : PlatformSupport.IsWindows ? new Windows.NamedPipeListener(prefix)
            : throw PlatformSupport.NotSupported();

    /// <summary>Connects to <paramref name="address"/>.</summary>
    /// <exception cref="IOException">Nothing listens there (any more).</exception>
    public static Stream Connect(string address) =>
        PlatformSupport.IsLinux ? Linux.UnixSocketListener.ConnectTo(address)
            : PlatformSupport.IsWindows ? Windows.NamedPipeListener.ConnectTo(address)
            : throw PlatformSupport.NotSupported();

    /// <summary>Waits for the next connection; <see langword="null"/> once the listener is disposed.</summary>
    public abstract Stream? Accept();

    /// <summary>Stops listening and removes the address.</summary>
    public abstract void Dispose();
}
