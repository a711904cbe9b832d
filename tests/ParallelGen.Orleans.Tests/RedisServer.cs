using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ParallelGen.Orleans.Tests;

/// <summary>
/// The Redis server of the Redis-membership tests: the one <c>./test.sh</c> started (its address in
/// <c>PARALLELGEN_TEST_REDIS</c>), or else one this process starts on a free loopback port, if <c>redis-server</c> is
/// installed. Without either, the tests fail and say how to get one.
/// </summary>
internal static class RedisServer
{
    private static readonly Lazy<string> s_address = new(Start);

    public static string Address => s_address.Value;

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("PARALLELGEN_TEST_REDIS") is { Length: > 0 } given)
        {
            return given;
        }

        int port;
        using (Socket probe = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        Process server;
        try
        {
            server = Process.Start(new ProcessStartInfo("redis-server", $"--bind 127.0.0.1 --port {port} --save \"\" --appendonly no")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("The Redis-membership tests need redis-server: run ./test.sh, which installs and starts it, or set PARALLELGEN_TEST_REDIS=host:port.");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            server.Kill();
            server.WaitForExit(2000);
        };
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using TcpClient client = new("127.0.0.1", port);
                return $"127.0.0.1:{port}";
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not start listening on 127.0.0.1:{port}.");
    }
}
