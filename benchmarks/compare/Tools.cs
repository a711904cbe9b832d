using System.Diagnostics;
using System.Text.Json;

namespace ParallelGen.Compare;

/// <summary>Runs the helper programs of the comparison.</summary>
internal static class Tools
{
    public static string Run(string fileName, string arguments, string workingDirectory)
    {
        ProcessStartInfo start = new(fileName, arguments) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {arguments} took more than 10 minutes");
        }

        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{fileName} {arguments} failed ({process.ExitCode}):\n{output}\n{error.Result}");
    }

    public static JsonElement Json(string output) => JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;

    /// <summary>The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them (empty where there is none).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "unknown";
}
