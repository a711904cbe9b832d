using System.Collections.Generic;
using System.Linq;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Emitting;

/// <summary>
/// Emits <c>ParallelGen.DispatchTable.g.cs</c>: the assembly's task lookup (a <see langword="switch"/> on the task id),
/// the MemoryPack formatter registrations Native AOT needs, and the module initializer that registers both. In an
/// executable the initializer also registers the tables of referenced assemblies and, in a Native AOT worker, enters
/// the worker loop.
/// </summary>
internal static class DispatchTableEmitter
{
    public const string HintName = "ParallelGen.DispatchTable.g.cs";

    public static string Emit(AssemblyModel assembly, IReadOnlyList<TaskModel> tasks)
    {
        string table = assembly.TableClassName;
        SourceWriter writer = new SourceWriter().FileHeader();
        if (tasks.Count > 0)
        {
            writer.Line($"[assembly: global::ParallelGen.Dispatch.ProcessTaskAssembly(typeof(global::{GeneratedCode.Namespace}.{table}))]");
            writer.Line();
        }

        using (writer.Block($"namespace {GeneratedCode.Namespace}"))
        {
            writer.Line($$"""
                /// <summary>The <c>[ProcessTask]</c> methods of <c>{{assembly.AssemblyName}}</c> by task id: how a worker process finds the code to run.</summary>
                {{GeneratedCode.Attribute}}
                [global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]
                """);
            using (writer.Block($"public static class {table}"))
            {
                FormatterRegistration[] formatters = [.. tasks.SelectMany(t => t.Formatters).Distinct().OrderBy(f => f.Type, System.StringComparer.Ordinal)];
                if (tasks.Count == 0)
                {
                    // An executable without tasks of its own only registers its references and may enter the worker loop.
                    EmitInitializer(writer, assembly, hasTasks: false);
                }
                else
                {
                    EmitTable(writer, assembly, tasks, formatters);
                }
            }
        }

        return writer.ToString();
    }

    private static void EmitTable(SourceWriter writer, AssemblyModel assembly, IReadOnlyList<TaskModel> tasks, FormatterRegistration[] formatters)
    {
        writer.Line("""
            private static int s_registered;

            /// <summary>Registers this assembly's tasks and the MemoryPack formatters they need. Calling it again does nothing.</summary>
            """);
        using (writer.Block("public static void Register()"))
        {
            writer.Line("""
                if (global::System.Threading.Interlocked.Exchange(ref s_registered, 1) != 0)
                {
                    return;
                }

                """);
            if (formatters.Length > 0)
            {
                writer.Line("RegisterFormatters();");
            }

            writer.Line($"global::ParallelGen.Dispatch.TaskRegistry.Register(typeof(global::{GeneratedCode.Namespace}.{assembly.TableClassName}).Assembly, Find);");
        }

        writer.Line();
        EmitInitializer(writer, assembly, hasTasks: true);
        EmitFind(writer, tasks);
        EmitFormatters(writer, formatters);
    }

    private static void EmitInitializer(SourceWriter writer, AssemblyModel assembly, bool hasTasks)
    {
        writer.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        using (writer.Block("internal static void Initialize()"))
        {
            if (hasTasks)
            {
                writer.Line("Register();");
            }

            if (assembly.IsExecutable)
            {
                // Under Native AOT a library's module initializer may never run, so the executable registers every
                // table it references before a re-launched worker looks for its task.
                foreach (string referenced in assembly.ReferencedTables)
                {
                    writer.Line($"{referenced}.Register();");
                }

                writer.Line("global::ParallelGen.Dispatch.WorkerEntry.RunIfWorker();");
            }
        }

        if (hasTasks)
        {
            writer.Line();
        }
    }

    private static void EmitFind(SourceWriter writer, IReadOnlyList<TaskModel> tasks)
    {
        writer.Line("private static global::ParallelGen.Dispatch.ProcessTask? Find(ulong id) => id switch");
        writer.Line("{");
        foreach (TaskModel task in tasks.OrderBy(t => t.Id))
        {
            writer.Line($"    0x{task.Id:X16}UL => {task.Descriptor.QualifiedFieldName},");
        }

        writer.Line("    _ => null,");
        writer.Line("};");
    }

    private static void EmitFormatters(SourceWriter writer, FormatterRegistration[] formatters)
    {
        if (formatters.Length == 0)
        {
            return;
        }

        writer.Line();
        using (writer.Block("private static void RegisterFormatters()"))
        {
            foreach (FormatterRegistration formatter in formatters)
            {
                writer.Line(formatter switch
                {
                    { Formatter.Length: 0 } => $"global::MemoryPack.MemoryPackFormatterProvider.Register<{formatter.Type}>();",
                    { Replaces: true } => $"global::MemoryPack.MemoryPackFormatterProvider.Register(new {formatter.Formatter}()); // MemoryPack's own is wrong for this type",
                    _ => $"Register(new {formatter.Formatter}());",
                });
            }
        }

        if (formatters.All(f => f.Formatter.Length == 0 || f.Replaces))
        {
            return;
        }

        writer.Line();
        writer.Line("""
            private static void Register<T>(global::MemoryPack.MemoryPackFormatter<T> formatter)
            {
                if (!global::MemoryPack.MemoryPackFormatterProvider.IsRegistered<T>())
                {
                    global::MemoryPack.MemoryPackFormatterProvider.Register(formatter);
                }
            }
            """);
    }
}
