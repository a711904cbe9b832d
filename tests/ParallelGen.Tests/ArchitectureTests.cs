using System.Text.RegularExpressions;
using ArchUnitNET.Domain;
using ArchUnitNET.Domain.Dependencies;
using ArchUnitNET.Loader;
using ParallelGen.Testing;

namespace ParallelGen.Tests;

/// <summary>
/// The runtime's layers (STYLE.md, docs/architecture.md): each folder of src/ParallelGen may use only the folders
/// below it. Every type is placed in the folder its source file is in (public types share the root namespace, so
/// namespaces alone cannot tell), and every dependency ArchUnitNET finds in the compiled assembly (signatures, fields,
/// attributes, method bodies) must follow an allowed arrow.
/// </summary>
public sealed partial class ArchitectureTests
{
    /// <summary>
    /// What each folder may use besides itself. The root folder holds the attributes and <c>Unit</c> everyone may use;
    /// Platform's facades and their Linux and Windows implementations use each other, and nothing else may name
    /// Platform/Linux or Platform/Windows.
    /// </summary>
    private static readonly Dictionary<string, string[]> s_mayUse = new()
    {
        [""] = [],
        ["Polyfills"] = [],
        ["Errors"] = [""],
        ["Platform"] = ["", "Errors", "Platform/Linux", "Platform/Windows"],
        ["Platform/Linux"] = ["", "Errors", "Platform"],
        ["Platform/Windows"] = ["", "Errors", "Platform"],
        ["Transport"] = ["", "Errors", "Platform"],
        ["Serialization"] = ["", "Errors", "Transport"],
        ["Protocol"] = ["", "Errors", "Serialization", "Transport"],
        ["Dispatch"] = ["", "Polyfills", "Errors", "Serialization", "Transport", "Protocol"],
        ["Diagnostics"] = ["", "Errors", "Transport", "Protocol", "Dispatch"],
        ["Worker"] = ["", "Errors", "Platform", "Transport", "Serialization", "Protocol", "Dispatch", "Diagnostics"],
        ["Backends"] = ["", "Errors", "Transport", "Protocol", "Dispatch"],
        ["Backends/Process"] = ["", "Errors", "Platform", "Transport", "Serialization", "Protocol", "Dispatch", "Diagnostics", "Backends"],
        ["Pool"] = ["", "Polyfills", "Errors", "Transport", "Serialization", "Protocol", "Dispatch", "Diagnostics", "Backends"],
        ["Processes"] = ["", "Polyfills", "Errors", "Transport", "Serialization", "Protocol", "Dispatch", "Diagnostics", "Backends", "Backends/Process"],
        ["Ipc"] = ["", "Polyfills", "Errors", "Platform", "Transport", "Serialization", "Dispatch"],
    };

    /// <summary>The one place the pool may name a concrete backend: the public pool, which creates the process backend.</summary>
    private static readonly (string Type, string Folder)[] s_compositionRoots = [("ParallelGen.ProcessPool", "Backends/Process")];

    private static readonly Lazy<Architecture> s_architecture = new(() => new ArchLoader().LoadAssemblies(typeof(ProcessPool).Assembly).Build());

    private static readonly Lazy<Dictionary<string, string>> s_folders = new(MapTypesToFolders);

    [Fact]
    public void Every_folder_of_the_runtime_uses_only_the_folders_below_it()
    {
        List<string> violations = Violations(s_mayUse);
        Assert.True(violations.Count == 0, "Dependencies against the layering:" + Environment.NewLine + string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void The_check_sees_real_dependencies_an_arrow_reversed_on_purpose_fails()
    {
        // Transport reads and writes pipes: forbidding it Platform must produce violations, or the check sees nothing.
        Dictionary<string, string[]> reversed = new(s_mayUse) { ["Transport"] = ["", "Errors"] };
        List<string> violations = Violations(reversed);
        Assert.Contains(violations, v => v.StartsWith("Transport/", StringComparison.Ordinal) && v.Contains("-> Platform/", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_type_of_the_runtime_is_placed_in_a_layer()
    {
        Dictionary<string, string> folders = s_folders.Value;
        List<string> unplaced = [.. s_architecture.Value.Types
            .Where(type => type.Assembly.Name.StartsWith("ParallelGen,", StringComparison.Ordinal) && !IsGenerated(type))
            .Select(type => OutermostName(type.FullName))
            .Distinct()
            .Where(name => !folders.ContainsKey(name) && !name.StartsWith('<'))];
        Assert.True(unplaced.Count == 0, "Types with no source file found under src/ParallelGen: " + string.Join(", ", unplaced));
        Assert.All(folders.Values.Distinct(), folder => Assert.True(s_mayUse.ContainsKey(folder), $"The folder '{folder}' has no layer in this test."));
    }

    private static List<string> Violations(Dictionary<string, string[]> mayUse)
    {
        Dictionary<string, string> folders = s_folders.Value;
        SortedSet<string> violations = [];
        foreach (IType type in s_architecture.Value.Types)
        {
            if (!folders.TryGetValue(OutermostName(type.FullName), out string? from))
            {
                continue;
            }

            // A generic parameter is no dependency (ArchUnitNET names one after the first type that declared a parameter of that name).
            foreach (ITypeDependency dependency in type.Dependencies.Where(d => d.Target is not GenericParameter))
            {
                string target = OutermostName(dependency.Target.FullName);
                if (!folders.TryGetValue(target, out string? to) || to == from || mayUse[from].Contains(to)
                    || s_compositionRoots.Contains((OutermostName(type.FullName), to)))
                {
                    continue;
                }

                violations.Add($"{from}/{Short(type.FullName)} -> {to}/{Short(dependency.Target.FullName)}");
            }
        }

        return [.. violations];
    }

    /// <summary>Maps every type declared under src/ParallelGen to its folder, from the source files (one namespace per file).</summary>
    private static Dictionary<string, string> MapTypesToFolders()
    {
        string root = Repository.PathOf("src", "ParallelGen");
        Dictionary<string, string> folders = [];
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal))
            {
                continue;
            }

            string folder = LayerOf(Path.GetDirectoryName(relative)!.Replace('\\', '/'));
            string text = File.ReadAllText(file);
            string ns = NamespacePattern().Match(text) is { Success: true } match ? match.Groups[1].Value : "";
            foreach (Match declaration in TypePattern().Matches(text))
            {
                string name = declaration.Groups["name"].Value;
                int arity = declaration.Groups["generics"].Success ? declaration.Groups["generics"].Value.Count(c => c == ',') + 1 : 0;
                string full = $"{ns}.{name}{(arity > 0 ? $"`{arity}" : "")}";
                if (folders.TryGetValue(full, out string? other) && other != folder)
                {
                    throw new InvalidOperationException($"{full} is declared in two folders: {other} and {folder}.");
                }

                folders[full] = folder;
            }
        }

        return folders;
    }

    /// <summary>The layer of a folder: the deepest folder named in the table that contains it (Ipc/Queues is in Ipc).</summary>
    private static string LayerOf(string folder)
    {
        for (string candidate = folder; ; candidate = candidate.Contains('/') ? candidate[..candidate.LastIndexOf('/')] : "")
        {
            if (s_mayUse.ContainsKey(candidate) || candidate.Length == 0)
            {
                return candidate;
            }
        }
    }

    private static string OutermostName(string fullName)
    {
        int nested = fullName.IndexOfAny(['+', '/']);
        string outer = nested < 0 ? fullName : fullName[..nested];
        int arguments = outer.IndexOf('<');
        return arguments < 0 ? outer : outer[..arguments];
    }

    private static string Short(string fullName) => OutermostName(fullName)[(OutermostName(fullName).LastIndexOf('.') + 1)..];

    private static bool IsGenerated(IType type) =>
        type.FullName.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || type.FullName.StartsWith("System.", StringComparison.Ordinal);

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"^(?:(?:public|internal|file|sealed|abstract|static|readonly|unsafe|partial|ref)\s+)+(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+(?<name>\w+)(?<generics><[^>]+>)?", RegexOptions.Multiline)]
    private static partial Regex TypePattern();
}
