using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using ParallelGen.Platform.Linux;

namespace ParallelGen.Tests;

/// <summary>
/// The constants and sizes <see cref="LibC"/> relies on, checked against this machine's C headers: a small C probe is
/// compiled and run, and every constant of <see cref="LibC"/> must equal the C constant of the same name, every room
/// reserved for a C object must hold it, and every struct written in C# must have its C size.
/// </summary>
/// <remarks>
/// The constants are found by reflection, so one added to <see cref="LibC"/> is checked too (or fails the probe's
/// compilation, if C has no such name, until it is listed among the sizes below).
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class AbiTests
{
    /// <summary>Room reserved in C# for C objects: each must hold every C type listed.</summary>
    private static readonly Dictionary<string, string[]> s_rooms = new()
    {
        [nameof(LibC.SyncObjectSize)] = ["pthread_mutex_t", "pthread_cond_t"],
        [nameof(LibC.AttributeObjectSize)] = ["pthread_mutexattr_t", "pthread_condattr_t"],
        [nameof(LibC.FileActionsObjectSize)] = ["posix_spawn_file_actions_t"],
        [nameof(LibC.SpawnAttributesObjectSize)] = ["posix_spawnattr_t"],
        [nameof(LibC.SignalSetObjectSize)] = ["sigset_t"],
        [nameof(LibC.SigInfoObjectSize)] = ["siginfo_t"],
    };

    /// <summary>Offsets into C structs that C# reads by hand, with the C expression each must equal.</summary>
    private static readonly (string Name, long Value, string Native)[] s_offsets =
    [
        (nameof(LibC.SigInfoPidOffset), LibC.SigInfoPidOffset, "offsetof(siginfo_t, si_pid)"),
    ];

    /// <summary>Structs declared in C#, with the C type each mirrors.</summary>
    private static readonly (Type Managed, string Native)[] s_structs =
    [
        (typeof(LibC.TimeSpec), "struct timespec"),
        (typeof(LibC.PollFd), "struct pollfd"),
    ];

    [Fact]
    public void Every_LibC_constant_and_size_matches_the_C_headers_of_this_machine()
    {
        List<FieldInfo> constants = [.. typeof(LibC).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral)];
        Assert.True(constants.Count > 40, $"only {constants.Count} constants found");

        StringBuilder probe = new("""
            #define _GNU_SOURCE
            #include <errno.h>
            #include <stddef.h>
            #include <fcntl.h>
            #include <poll.h>
            #include <pthread.h>
            #include <signal.h>
            #include <spawn.h>
            #include <stdio.h>
            #include <sys/mman.h>
            #include <sys/prctl.h>
            #include <sys/wait.h>
            #include <time.h>
            #include <unistd.h>

            int main(void)
            {

            """);
        foreach (FieldInfo constant in constants.Where(c => !s_rooms.ContainsKey(c.Name)))
        {
            probe.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"{constant.Name}=%ld\\n\", (long)({constant.Name}));");
        }

        foreach (string type in s_rooms.Values.SelectMany(types => types).Concat(s_structs.Select(s => s.Native)))
        {
            probe.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"sizeof({type})=%zu\\n\", sizeof({type}));");
        }

        foreach ((string name, _, string expression) in s_offsets)
        {
            probe.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"{name}=%ld\\n\", (long)({expression}));");
        }

        probe.AppendLine("    return 0;\n}");
        Dictionary<string, long> native = RunProbe(probe.ToString());

        List<string> mismatches = [];
        foreach (FieldInfo constant in constants)
        {
            long value = Convert.ToInt64(constant.GetRawConstantValue(), CultureInfo.InvariantCulture);
            if (s_rooms.TryGetValue(constant.Name, out string[]? types))
            {
                mismatches.AddRange(types.Where(t => native[$"sizeof({t})"] > value).Select(t => $"{constant.Name} = {value} cannot hold {t} ({native[$"sizeof({t})"]} bytes)"));
            }
            else if (native[constant.Name] != value)
            {
                mismatches.Add($"{constant.Name} is {value} in C#, {native[constant.Name]} in C");
            }
        }

        mismatches.AddRange(s_offsets.Where(o => native[o.Name] != o.Value).Select(o => $"{o.Name} is {o.Value} in C#, {o.Native} is {native[o.Name]} in C"));
        foreach ((Type managed, string type) in s_structs)
        {
            if (Marshal.SizeOf(managed) != native[$"sizeof({type})"])
            {
                mismatches.Add($"{managed.Name} is {Marshal.SizeOf(managed)} bytes in C#, {type} {native[$"sizeof({type})"]} in C");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }

    [Fact]
    public void A_sync_cell_reserves_the_room_its_Linux_implementation_takes() =>
        Assert.Equal(PthreadSync.Size, Platform.SyncCell.Size);

    private static Dictionary<string, long> RunProbe(string source)
    {
        string directory = Directory.CreateTempSubdirectory("parallelgen-abi-").FullName;
        try
        {
            string c = Path.Combine(directory, "probe.c");
            string exe = Path.Combine(directory, "probe");
            File.WriteAllText(c, source);
            (int compiled, string compileOutput) = Run("cc", $"-O0 -o \"{exe}\" \"{c}\"");
            Assert.True(compiled == 0, $"The C probe did not compile (a constant of LibC without a C name of the same spelling?):\n{compileOutput}");
            (int ran, string output) = Run(exe, "");
            Assert.Equal(0, ran);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('='))
                .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (int ExitCode, string Output) Run(string file, string arguments)
    {
        ProcessStartInfo start = new(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"{file} did not finish in 60 s");
        return (process.ExitCode, output.Result + error.Result);
    }
}
