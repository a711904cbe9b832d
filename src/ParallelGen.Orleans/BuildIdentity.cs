using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using ParallelGen.Dispatch;
using ParallelGen.Grains;

namespace ParallelGen;

/// <summary>
/// Which build of the tasks a process runs: the task tables it has registered, each with the module version id of its
/// assembly (which changes with every change to the code that a deterministic build compiles).
/// </summary>
internal static class BuildIdentity
{
    /// <summary>Gets the tables this process has registered so far, sorted by assembly name.</summary>
    public static TableBuild[] Current() =>
        [.. TaskRegistry.Tables.Select(t => new TableBuild(t.AssemblyName, BuildOf(t.Assembly))).OrderBy(t => t.Assembly, StringComparer.Ordinal)];

    /// <summary>
    /// Says why a node with <paramref name="node"/> cannot run the coordinator's tasks, or returns <see langword="null"/>
    /// if it can: every table of the coordinator must be on the node, from the same build. (A node may have more.)
    /// </summary>
    public static string? Mismatch(IReadOnlyList<TableBuild> coordinator, IReadOnlyList<TableBuild> node)
    {
        List<string> problems = [];
        foreach (TableBuild wanted in coordinator)
        {
            TableBuild? found = node.FirstOrDefault(t => t.Assembly == wanted.Assembly);
            if (found is null)
            {
                problems.Add($"the node has no tasks from {wanted.Assembly}");
            }
            else if (found.Build != wanted.Build)
            {
                problems.Add($"{wanted.Assembly} is build {Short(found.Build)} on the node and {Short(wanted.Build)} on the coordinator");
            }
        }

        return problems.Count == 0
            ? null
            : $"the node was built from different code than the coordinator ({string.Join("; ", problems)}). Start every node from the same build of the application as the coordinator.";
    }

    private static string Short(Guid build) => build.ToString("N")[..12];

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The module version id is kept by every build.")]
    private static Guid BuildOf(Assembly assembly)
    {
        try
        {
            return assembly.ManifestModule.ModuleVersionId;
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
        {
            // No metadata for it here: fall back to the assembly's identity.
            return new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(assembly.FullName ?? "")));
        }
    }
}
