using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace ParallelGen.Generators.Tests;

/// <summary>
/// Compares generated files with the committed <c>Snapshots/{Test}/{HintName}.verified.cs</c>. A mismatch writes
/// <c>*.received.cs</c> next to it and fails; <c>PARALLELGEN_UPDATE_SNAPSHOTS=1</c> accepts the new output instead.
/// The generator's version and the opaque interceptor location data are masked, and line endings normalised.
/// </summary>
internal static partial class SnapshotVerifier
{
    public static void Verify(GeneratorRunResult result, [CallerMemberName] string test = "")
    {
        string directory = Repository.PathOf("tests", "ParallelGen.Generators.Tests", "Snapshots", test);
        bool update = Environment.GetEnvironmentVariable("PARALLELGEN_UPDATE_SNAPSHOTS") == "1";
        Directory.CreateDirectory(directory);

        List<string> failures = [];
        HashSet<string> expectedFiles = [.. Directory.GetFiles(directory, "*.verified.cs").Select(path => Path.GetFileName(path))];
        HashSet<string> actualFiles = [];
        foreach (GeneratedSourceResult source in result.GeneratedSources)
        {
            string name = source.HintName + ".verified.cs";
            actualFiles.Add(name);
            string verified = Path.Combine(directory, name);
            string received = Path.Combine(directory, source.HintName + ".received.cs");
            string actual = Normalize(source.SourceText.ToString());
            string? expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
            if (expected == actual)
            {
                File.Delete(received);
                continue;
            }

            if (update)
            {
                File.WriteAllText(verified, actual);
                continue;
            }

            File.WriteAllText(received, actual);
            failures.Add(expected is null ? $"{name}: no snapshot yet" : $"{name}: differs at line {FirstDifference(expected, actual)}");
        }

        foreach (string stale in expectedFiles.Except(actualFiles))
        {
            if (update)
            {
                File.Delete(Path.Combine(directory, stale));
            }
            else
            {
                failures.Add($"{stale}: snapshot exists but the file was not generated");
            }
        }

        Assert.True(failures.Count == 0, $"Generated code differs from Snapshots/{test} (see *.received.cs; set PARALLELGEN_UPDATE_SNAPSHOTS=1 to accept):\n" + string.Join("\n", failures));
    }

    private static string Normalize(string text)
    {
        text = text.TrimStart('\uFEFF').Replace("\r\n", "\n");
        text = VersionPattern().Replace(text, "GeneratedCode(\"ParallelGen\", \"{version}\")");
        return LocationPattern().Replace(text, "InterceptsLocation($1, \"{location}\")");
    }

    private static int FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return i + 1;
            }
        }

        return Math.Min(a.Length, b.Length) + 1;
    }

    [GeneratedRegex("GeneratedCode\\(\"ParallelGen\", \"[^\"]*\"\\)")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("InterceptsLocation\\(([0-9]+), \"[^\"]*\"\\)")]
    private static partial Regex LocationPattern();
}
