using System.Runtime.InteropServices;
using PosixSpawn = ParallelGen.Platform.Linux.PosixSpawn;
using Xunit.Abstractions;

namespace ParallelGen.IntegrationTests;

/// <summary>
/// What a worker inherits from its parent, and what the processes its tasks start inherit from it (docs/security.md,
/// "What a worker inherits"): exactly its own pipes, stdin from /dev/null, no PARALLELGEN_WORKER in libc's environment,
/// and descendants that end with it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class InheritanceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_descriptor_the_parent_opened_without_close_on_exec_reaches_neither_the_worker_nor_what_its_tasks_start(bool scanDescriptors) => Deadline.Run(() =>
    {
        string marked = Path.Combine(Path.GetTempPath(), $"parallelgen-inherit-{Guid.NewGuid():N}");
        string listing = Path.Combine(Path.GetTempPath(), $"parallelgen-listing-{Guid.NewGuid():N}");
        File.WriteAllText(marked, "secret");

        // As native code or a launching shell leaves one: open(2) without O_CLOEXEC.
        int fd = open(marked, 0);
        Assert.True(fd > 2, $"open failed: {Marshal.GetLastPInvokeError()}");
        bool before = PosixSpawn.ScanDescriptors;
        PosixSpawn.ScanDescriptors = scanDescriptors;
        try
        {
            using TestPool test = new(processes: 1);
            string worker = test.Pool.Apply(InheritanceWork.WorkerDescriptors);
            string child = test.Pool.Apply(InheritanceWork.ChildDescriptors, listing);
            output.WriteLine($"parent fd {fd} -> {marked}; closefrom in one action: {PosixSpawn.ClosesFromInOneAction}\nworker:\n{worker}\nshell started by a task:\n{child}");

            Assert.DoesNotContain(marked, worker);
            Assert.DoesNotContain(marked, child);
            Assert.Contains("0 -> /dev/null", worker);
        }
        finally
        {
            PosixSpawn.ScanDescriptors = before;
            close(fd);
            File.Delete(marked);
            File.Delete(listing);
        }
    });

    [Fact]
    public Task The_worker_variable_is_gone_from_libc_environment_too_so_a_process_a_task_starts_is_no_worker() => Deadline.Run(() =>
    {
        string file = Path.Combine(Path.GetTempPath(), $"parallelgen-env-{Guid.NewGuid():N}");
        try
        {
            using TestPool test = new(processes: 1);
            bool libc = test.Pool.Apply(InheritanceWork.LibcSeesWorkerVariable);
            string child = test.Pool.Apply(InheritanceWork.ChildSeesWorkerVariable, file);
            output.WriteLine($"getenv in the worker: {(libc ? "set" : "unset")}; a shell started with system() sees '{child}'");

            Assert.False(libc);
            Assert.Equal("", child);
        }
        finally
        {
            File.Delete(file);
        }
    });

    [Fact]
    public Task Processes_a_task_starts_end_with_the_pool_when_it_is_disposed() => Deadline.Run(() =>
    {
        TestPool test = new(processes: 1);
        int sleeper;
        try
        {
            sleeper = test.Pool.Apply(InheritanceWork.StartSleeper, 300);
            Assert.True(Processes.IsAlive(sleeper));
        }
        finally
        {
            test.Dispose();
        }

        try
        {
            Processes.AssertAllExited([sleeper], TimeSpan.FromSeconds(5));
        }
        finally
        {
            Processes.Kill(sleeper);
        }
    });

    [Fact]
    public Task Processes_a_task_starts_end_with_their_worker_when_it_is_killed() => Deadline.Run(() =>
    {
        using TestPool test = new(processes: 1);
        int worker = test.Pool.WorkerPids.Single();
        int sleeper = test.Pool.Apply(InheritanceWork.StartSleeper, 300);
        try
        {
            Processes.Kill(worker);
            Processes.AssertAllExited([sleeper], TimeSpan.FromSeconds(5));

            // The pool carries on with a replacement.
            Assert.Equal(9, test.Pool.Apply(Work.Square, 3));
        }
        finally
        {
            Processes.Kill(sleeper);
        }
    });

    [Fact]
    public Task With_KeepWorkerDescendants_a_process_a_task_starts_outlives_the_pool() => Deadline.Run(() =>
    {
        TestPool test = new(processes: 1, options: new ProcessPoolOptions { KeepWorkerDescendants = true });
        int sleeper = 0;
        try
        {
            sleeper = test.Pool.Apply(InheritanceWork.StartSleeper, 300);
            test.Dispose();
            Thread.Sleep(200);
            Assert.True(Processes.IsAlive(sleeper), "the sleeper ended with its worker although KeepWorkerDescendants is on");
        }
        finally
        {
            Processes.Kill(sleeper);
        }
    });

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);
}
