using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ParallelGen.IntegrationTests;

/// <summary>Tasks that report what a worker, and a process a task starts, got from the parent.</summary>
public static partial class InheritanceWork
{
    /// <summary>What each open descriptor of the worker points at (<c>readlink /proc/self/fd/N</c>), one per line as <c>N -> target</c>.</summary>
    [ProcessTask]
    public static string WorkerDescriptors() =>
        string.Join('\n', Directory.EnumerateFileSystemEntries("/proc/self/fd")
            .Select(entry => $"{Path.GetFileName(entry)} -> {new FileInfo(entry).LinkTarget}"));

    /// <summary>The same for a shell the task starts through libc's <c>system()</c>, which sees the descriptors every child inherits.</summary>
    [ProcessTask]
    public static string ChildDescriptors(string outputFile)
    {
        // The shell lists its own descriptors (ls runs with the same ones, minus what the redirection adds at 1).
        int status = system($"for f in /proc/$$/fd/*; do echo \"${{f##*/}} -> $(readlink $f)\"; done > '{outputFile}'");
        return status == 0 ? File.ReadAllText(outputFile) : $"system() returned {status}";
    }

    /// <summary>Whether libc's environment (what <c>system()</c> and <c>exec</c> pass on) still names the worker variable.</summary>
    [ProcessTask]
    public static bool LibcSeesWorkerVariable() => getenv("PARALLELGEN_WORKER") != 0;

    /// <summary>What a process started through libc gets for the worker variable: empty when it is not set.</summary>
    [ProcessTask]
    public static string ChildSeesWorkerVariable(string outputFile)
    {
        int status = system($"printf '%s' \"$PARALLELGEN_WORKER\" > '{outputFile}'");
        return status == 0 ? File.ReadAllText(outputFile) : $"system() returned {status}";
    }

    /// <summary>Starts <c>sleep</c> for <paramref name="seconds"/> and returns its pid, leaving it running.</summary>
    [ProcessTask]
    public static int StartSleeper(int seconds)
    {
        using Process sleeper = Process.Start(new ProcessStartInfo("sleep", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)) { UseShellExecute = false })!;
        return sleeper.Id;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int system(string command);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);
}
