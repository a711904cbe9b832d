using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace ParallelGen.Dispatch;

/// <summary>
/// The process-wide list of generated dispatch tables, one per assembly that declares <c>[ProcessTask]</c> methods.
/// Generated code registers each table; the pool uses the list to tell workers which assemblies to load, and the
/// worker uses it to find a task by its <see cref="TaskId"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TaskRegistry
{
    private static readonly object s_lock = new();
    private static volatile TaskTable[] s_tables = [];
    private static readonly Dictionary<ulong, ProcessTask> s_cache = [];

    /// <summary>Registers the dispatch table of <paramref name="assembly"/>. Registering the same assembly again does nothing.</summary>
    /// <param name="assembly">The assembly whose tasks <paramref name="find"/> knows.</param>
    /// <param name="find">The generated lookup: a <see langword="switch"/> from task id to descriptor.</param>
    public static void Register(Assembly assembly, Func<ulong, ProcessTask?> find)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(find);
        lock (s_lock)
        {
            foreach (TaskTable table in s_tables)
            {
                if (ReferenceEquals(table.Assembly, assembly))
                {
                    return;
                }
            }

            s_tables = [.. s_tables, new TaskTable(assembly, find)];
        }
    }

    /// <summary>Gets the tables registered so far, in registration order (the list only grows).</summary>
    internal static TaskTable[] Tables => s_tables;

    /// <summary>Finds a task by id in every registered table.</summary>
    internal static ProcessTask? Find(TaskId id)
    {
        lock (s_lock)
        {
            if (s_cache.TryGetValue(id.Value, out ProcessTask? cached))
            {
                return cached;
            }

            foreach (TaskTable table in s_tables)
            {
                if (table.Find(id.Value) is { } task)
                {
                    s_cache[id.Value] = task;
                    return task;
                }
            }

            return null;
        }
    }

    /// <summary>A registered dispatch table.</summary>
    internal sealed class TaskTable(Assembly assembly, Func<ulong, ProcessTask?> find)
    {
        public Assembly Assembly { get; } = assembly;

        public Func<ulong, ProcessTask?> Find { get; } = find;

        public string AssemblyName { get; } = assembly.GetName().Name ?? "";

        /// <summary>Gets the assembly's file, for JIT workers; empty under Native AOT, where workers are the app itself.</summary>
        public string AssemblyPath { get; } = LocationOf(assembly);

        [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Only JIT workers load assemblies by path; an empty path falls back to loading by name.")]
        private static string LocationOf(Assembly assembly) => assembly.Location;
    }
}
