using System.Diagnostics;

namespace ParallelGen.WindowsTests;

/// <summary>
/// A parent that dies however it dies takes its workers with it: this executable in its <c>hold-pool</c> role owns a
/// pool whose workers are busy, and the test kills it outright (TerminateProcess on Windows, SIGKILL on Linux).
/// </summary>
public sealed class ParentDeathTests(ITestOutputHelper output)
{
    [Fact]
    public Task When_the_parent_is_killed_its_busy_workers_exit() => Deadline.Run(() =>
    {
        using Process host = StartHost($"{Program.HoldPool} 2");
        try
        {
            int[] workers = ReadPids(host, "workers ");
            Assert.Equal(2, workers.Length);
            Assert.All(workers, pid => Assert.True(OsProcesses.IsAlive(pid), $"worker {pid} is not running"));

            host.Kill();
            host.WaitForExit();
            long gone = OsProcesses.WaitUntilGone(workers, TimeSpan.FromSeconds(20));
            output.WriteLine($"parent {host.Id} killed; workers {string.Join(",", workers)} gone after {gone} ms");
            OsProcesses.AssertAllExited(workers, TimeSpan.Zero);
        }
        finally
        {
            KillIfRunning(host);
        }
    });

    [Fact]
    public Task On_Windows_processes_that_tasks_start_die_with_the_parent_too_through_the_job_object() => Deadline.Run(() =>
    {
        Assert.SkipUnless(OperatingSystem.IsWindows(), "Linux has no job objects: a task's own processes outlive the pool's owner there, as in Python.");
        using Process host = StartHost($"{Program.HoldPool} 2 grandchildren");
        int[] grandchildren = [];
        try
        {
            grandchildren = ReadPids(host, "grandchildren ");
            int[] workers = ReadPids(host, "workers ");
            Assert.All(grandchildren, pid => Assert.True(OsProcesses.IsAlive(pid), $"process {pid} is not running"));

            // Nothing but the job ends these: they have no pipe to the parent, and nobody tells them to exit.
            host.Kill();
            host.WaitForExit();
            long gone = OsProcesses.WaitUntilGone([.. grandchildren, .. workers], TimeSpan.FromSeconds(20));
            output.WriteLine($"parent {host.Id} killed; workers {string.Join(",", workers)} and their children {string.Join(",", grandchildren)} gone after {gone} ms");
            OsProcesses.AssertAllExited([.. grandchildren, .. workers], TimeSpan.Zero);
        }
        finally
        {
            KillIfRunning(host);
            OsProcesses.AssertAllExited(grandchildren, TimeSpan.Zero);
        }
    });

    private static Process StartHost(string arguments)
    {
        ProcessStartInfo start = new(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (!OperatingSystem.IsWindows() && Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            // Under the VSTest adapter on Linux this process is `dotnet ParallelGen.WindowsTests.dll`.
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (string argument in arguments.Split(' '))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static int[] ReadPids(Process host, string prefix)
    {
        Task<string?> line = host.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromSeconds(90)), $"the host did not print its '{prefix.Trim()}' line");
        string text = line.Result ?? throw new InvalidOperationException($"the host exited before printing '{prefix.Trim()}'");
        Assert.StartsWith(prefix, text, StringComparison.Ordinal);
        return [.. text[prefix.Length..].Split(',').Select(int.Parse)];
    }

    private static void KillIfRunning(Process host)
    {
        if (!host.HasExited)
        {
            host.Kill(entireProcessTree: true);
        }
    }
}
