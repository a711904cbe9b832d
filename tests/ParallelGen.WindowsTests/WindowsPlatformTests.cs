using System.Runtime.Versioning;
using ParallelGen.Platform.Windows;

namespace ParallelGen.WindowsTests;

/// <summary>The Windows platform layer's pure parts: command-line quoting, exit-code decoding and naming.</summary>
public sealed class WindowsPlatformTests
{
    [Theory]
    [InlineData(@"C:\Program Files\dotnet\dotnet.exe", new[] { "exec", @"C:\my app\a.dll" }, @"""C:\Program Files\dotnet\dotnet.exe"" exec ""C:\my app\a.dll""")]
    [InlineData(@"C:\d\dotnet.exe", new[] { "", "a\"b", @"x\", @"x\\""y", "plain" }, @"C:\d\dotnet.exe """" ""a\""b"" x\ ""x\\\\\""y"" plain")]
    [SupportedOSPlatform("windows")] // skipped elsewhere, before any Windows call
    public void Command_lines_are_quoted_as_the_C_runtime_splits_them(string path, string[] arguments, string expected)
    {
        Assert.SkipUnless(OperatingSystem.IsWindows(), "Windows command lines.");
        Assert.Equal(expected, Win32Processes.BuildCommandLine(path, arguments));
    }

    [Fact]
    [SupportedOSPlatform("windows")]
    public void Exit_codes_of_the_pool_own_kills_read_as_signals_and_crashes_as_named_NTSTATUS()
    {
        Assert.SkipUnless(OperatingSystem.IsWindows(), "Windows exit codes.");
        Assert.Equal(-9, Win32Processes.DecodeExitCode(Win32Processes.TerminatedBase + 9));
        Assert.Equal(-15, Win32Processes.DecodeExitCode(Win32Processes.TerminatedBase + 15));
        Assert.Equal(7, Win32Processes.DecodeExitCode(7));
        Assert.Equal(-1, Win32Processes.DecodeExitCode(0xFFFFFFFF)); // Process.Kill and taskkill /F: not a signal

        WorkerCrashedException killed = new(1, -9);
        Assert.Equal(9, killed.Signal);
        Assert.Contains("signal 9 (SIGKILL)", killed.Message, StringComparison.Ordinal);

        WorkerCrashedException minusOne = new(1, -1);
        Assert.Null(minusOne.Signal);
        Assert.Contains("status 0xFFFFFFFF", minusOne.Message, StringComparison.Ordinal);

        WorkerCrashedException overflow = new(1, Win32Processes.DecodeExitCode(0xC00000FD));
        Assert.Equal(0xC00000FDu, overflow.NtStatus);
        Assert.Contains("0xC00000FD (STATUS_STACK_OVERFLOW)", overflow.Message, StringComparison.Ordinal);
    }
}
