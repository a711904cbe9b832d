using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>
/// Tests that need a parent process of their own to kill, signal or flood: they start tests/ParallelGen.TestHost,
/// which owns a pool, and watch its workers from outside. A host still running when its test ends (a failed test's)
/// is killed with what it started.
/// </summary>
public sealed partial class HostProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly List<(int Pid, DateTime Started)> _hosts = [];

    public void Dispose()
    {
        lock (_hosts)
        {
            foreach ((int pid, DateTime started) in _hosts)
            {
                try
                {
                    // The test has disposed its Process object by now: find the process again, unless its pid was reused.
                    using Process host = Process.GetProcessById(pid);
                    if (host.StartTime == started)
                    {
                        host.Kill(entireProcessTree: true);
                        host.WaitForExit(TimeSpan.FromSeconds(10));
                    }
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Gone already.
                }
            }
        }
    }

    [Fact]
    public Task When_the_parent_is_killed_with_SIGKILL_its_busy_workers_exit_within_a_second() => Deadline.Run(() =>
    {
        using Process host = StartHost("hold-pool 2");
        int[] workers = ReadWorkerPids(host);
        Assert.All(workers, pid => Assert.True(Processes.IsAlive(pid)));

        Stopwatch watch = Stopwatch.StartNew();
        host.Kill(); // SIGKILL: no handler in the parent runs
        host.WaitForExit();
        long gone = WaitUntilGone(workers, TimeSpan.FromSeconds(1));

        output.WriteLine($"parent {host.Id} killed; workers {string.Join(",", workers)} gone after {gone} ms");
        Processes.AssertAllExited(workers, TimeSpan.Zero);
    });

    [Fact]
    public Task When_the_parent_is_killed_its_workers_take_the_processes_their_tasks_started_and_its_shared_memory_with_them() => Deadline.Run(() =>
    {
        using Process host = StartHost("orphans");
        int[] pids = ReadWorkerPids(host);
        string pattern = $"pg-{host.Id}-*";
        string[] segments = Directory.GetFiles("/dev/shm", pattern);
        Assert.NotEmpty(segments);
        try
        {
            host.Kill(); // SIGKILL: the parent removes nothing itself
            host.WaitForExit();
            long gone = WaitUntilGone(pids, TimeSpan.FromSeconds(5));
            Stopwatch watch = Stopwatch.StartNew();
            while (Directory.GetFiles("/dev/shm", pattern).Length > 0 && watch.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(5);
            }

            string[] left = Directory.GetFiles("/dev/shm", pattern);
            output.WriteLine($"parent {host.Id} killed; worker {pids[0]} and the sleep {pids[1]} its task started gone after {gone} ms; segments {string.Join(", ", segments.Select(Path.GetFileName))}, left: {left.Length}");
            Processes.AssertAllExited(pids, TimeSpan.Zero);
            Assert.Empty(left);
        }
        finally
        {
            Processes.Kill(pids[1]);
            foreach (string segment in Directory.GetFiles("/dev/shm", pattern))
            {
                File.Delete(segment);
            }
        }
    });

    [Fact]
    public Task Workers_read_stdin_from_the_null_device_so_the_parents_input_stays_the_parents() => Deadline.Run(() =>
    {
        using Process host = StartHost("stdin", redirectInput: true);
        host.StandardInput.Write("one\ntwo\n");
        host.StandardInput.Close();
        Task<string> said = host.StandardOutput.ReadToEndAsync();
        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(30)), "the stdin host did not finish");
        output.WriteLine(said.Result);
        Assert.Equal("worker: <eof>; parent: one", said.Result.Trim());
    });

    [Theory]
    [InlineData(15, "SIGTERM")]
    [InlineData(2, "SIGINT (Ctrl-C)")]
    public Task When_the_parent_gets_SIGTERM_or_SIGINT_it_exits_and_terminates_its_workers(int signal, string name) => Deadline.Run(() =>
    {
        using Process host = StartHost("hold-pool 2");
        int[] workers = ReadWorkerPids(host);

        Stopwatch watch = Stopwatch.StartNew();
        Assert.Equal(0, Signals.Send(host.Id, signal));
        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(10)), $"the parent did not exit on {name}");
        long gone = WaitUntilGone(workers, TimeSpan.FromSeconds(1));

        output.WriteLine($"parent exited on {name} with code {host.ExitCode} after {watch.ElapsedMilliseconds} ms; workers gone {gone} ms later");
        Assert.Equal(128 + signal, host.ExitCode);
        Processes.AssertAllExited(workers, TimeSpan.Zero);
    });

    [Fact]
    public Task Tasks_writing_50_MB_to_stdout_and_stderr_do_not_stall_the_pool() => Deadline.Run(() =>
    {
        Stopwatch watch = Stopwatch.StartNew();
        using Process host = StartHost("chatty 25");
        long stdout = 0;
        long stderr = 0;
        string? last = null;
        host.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Interlocked.Add(ref stdout, line.Length + 1);
                last = line.StartsWith("done", StringComparison.Ordinal) ? line : last;
            }
        };
        host.ErrorDataReceived += (_, e) => Interlocked.Add(ref stderr, (e.Data?.Length ?? 0) + 1);
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();

        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(60)), "the chatty host did not finish");
        host.WaitForExit();
        output.WriteLine($"{stdout / 1e6:F1} MB on stdout, {stderr / 1e6:F1} MB on stderr, '{last}', in {watch.ElapsedMilliseconds} ms");
        Assert.Equal(0, host.ExitCode);
        Assert.Equal($"done {2L * 2 * 25 * 1024 * 1024}", last);
        Assert.True(stdout > 50_000_000 && stderr > 50_000_000);
    }, TimeSpan.FromSeconds(90));

    [Fact]
    public Task A_short_soak_of_worker_recycling_leaves_the_parent_flat() => Deadline.Run(() =>
    {
        // The soak itself decides: managed heap, working set, descriptors and segments after warm-up against the end
        // (tests/ParallelGen.TestHost/Soak.cs). The README's soak command runs the same for ten minutes.
        using Process host = StartHost("soak 15");
        Task<string> text = host.StandardOutput.ReadToEndAsync();
        Task<string> errors = host.StandardError.ReadToEndAsync();
        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(90)), "the soak did not finish");
        host.WaitForExit();
        output.WriteLine(text.Result + errors.Result);
        Assert.Contains("soak: PASS", text.Result);
        Assert.Equal(0, host.ExitCode);
    }, TimeSpan.FromSeconds(120));

    [Fact]
    public Task At_a_normal_parent_exit_daemon_processes_are_killed_and_the_others_waited_for() => Deadline.Run(() =>
    {
        string marker = Path.Combine(Path.GetTempPath(), $"parallelgen-nondaemon-{Guid.NewGuid():N}");
        try
        {
            using Process host = StartHost($"processes {marker}");
            int[] children = ReadWorkerPids(host);
            Stopwatch watch = Stopwatch.StartNew();
            Assert.True(host.WaitForExit(TimeSpan.FromSeconds(30)), "the parent did not exit");
            // Read at once: the child writes the file only after sleeping 1 s, so it is there now only if the
            // parent waited for it (a parent that did not wait would also have taken it down through PDEATHSIG).
            bool finishedFirst = File.Exists(marker);
            output.WriteLine($"parent exited {watch.ElapsedMilliseconds} ms after reporting its children; non-daemon child finished first: {finishedFirst}");
            Assert.Equal(0, host.ExitCode);
            Assert.True(finishedFirst, "the parent exited without waiting for its non-daemon child");
            Assert.Equal("finished", File.ReadAllText(marker));
            Assert.False(Processes.IsAlive(children[0]), "the daemon child outlived its parent");
            Processes.AssertAllExited(children, TimeSpan.FromSeconds(5));
        }
        finally
        {
            File.Delete(marker);
        }
    });

    [Fact]
    public Task A_pool_that_cannot_start_replacements_serves_with_the_workers_it_has_and_recovers_in_full() => Deadline.Run(() =>
    {
        // The host runs out of descriptors, so no replacement can start, while its two workers are killed one by one.
        using Process host = StartHost("restart-failure");
        Task<string> errors = host.StandardError.ReadToEndAsync();
        string text = host.StandardOutput.ReadToEnd();
        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(60)), "the host did not finish");
        output.WriteLine(text + errors.Result);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        string degraded = Assert.Single(lines, l => l.StartsWith("degraded: ", StringComparison.Ordinal));
        Assert.StartsWith("degraded: ok ", degraded); // one worker left: it serves every call
        Assert.EndsWith("health=Degraded", degraded);
        string unavailable = Assert.Single(lines, l => l.StartsWith("unavailable: ", StringComparison.Ordinal));
        Assert.StartsWith("unavailable: error InvalidOperationException: ", unavailable); // no worker at all: calls fail with the cause
        Assert.Contains("Too many open files", unavailable);
        Assert.Equal("recovered: ok 2 workers, 328350 health=Healthy", Assert.Single(lines, l => l.StartsWith("recovered: ", StringComparison.Ordinal)));
        Assert.Equal(0, host.ExitCode);
    }, TimeSpan.FromSeconds(90));

    private Process StartHost(string arguments, bool redirectInput = false)
    {
        // tests/ParallelGen.IntegrationTests/bin/<configuration>/<tfm>/ → tests/ParallelGen.TestHost/bin/<configuration>/<tfm>/
        DirectoryInfo tfm = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string host = Path.Combine(tfm.Parent!.Parent!.Parent!.Parent!.FullName, "ParallelGen.TestHost", "bin", tfm.Parent.Name, tfm.Name, "ParallelGen.TestHost.dll");
        Assert.True(File.Exists(host), $"{host} is missing: build the solution first");
        ProcessStartInfo start = new("dotnet", $"\"{host}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
        };
        Process started = Process.Start(start)!;
        lock (_hosts)
        {
            _hosts.Add((started.Id, started.StartTime));
        }

        return started;
    }

    private static int[] ReadWorkerPids(Process host)
    {
        Task<string?> line = host.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromSeconds(30)), "the host did not report its workers");
        Assert.StartsWith("pids: ", line.Result);
        return [.. line.Result!["pids: ".Length..].Split(',').Select(int.Parse)];
    }

    private static long WaitUntilGone(int[] pids, TimeSpan timeout)
    {
        Stopwatch watch = Stopwatch.StartNew();
        while (pids.Any(Processes.IsAlive) && watch.Elapsed < timeout)
        {
            Thread.Sleep(5);
        }

        return watch.ElapsedMilliseconds;
    }
}
