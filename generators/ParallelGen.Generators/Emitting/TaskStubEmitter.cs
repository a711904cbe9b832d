using System.Collections.Generic;
using System.Linq;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Emitting;

/// <summary>
/// Emits one file per user type with the descriptors of its tasks: a static field per task holding its id, name and
/// the worker-side stub that unpacks the arguments, calls the method and returns its result.
/// </summary>
internal static class TaskStubEmitter
{
    /// <summary>Gets the file name for the descriptors of one type, e.g. <c>Demo.Work.ProcessTasks.g.cs</c>.</summary>
    public static string HintName(DescriptorRef descriptor)
    {
        string type = descriptor.ClassName.Substring(0, descriptor.ClassName.Length - Parsing.TaskNaming.DescriptorSuffix.Length);
        return (descriptor.Namespace.Length == 0 ? type : $"{descriptor.Namespace}.{type}") + ".ProcessTasks.g.cs";
    }

    public static string Emit(IReadOnlyList<TaskModel> tasks)
    {
        DescriptorRef first = tasks[0].Descriptor;
        SourceWriter writer = new SourceWriter().FileHeader();
        if (first.Namespace.Length == 0)
        {
            EmitClass(writer, tasks);
        }
        else
        {
            using (writer.Block($"namespace {first.Namespace}"))
            {
                EmitClass(writer, tasks);
            }
        }

        return writer.ToString();
    }

    private static void EmitClass(SourceWriter writer, IReadOnlyList<TaskModel> tasks)
    {
        string accessibility = tasks.Any(t => t.Descriptor.IsPublic) ? "public" : "internal";
        writer.Line($$"""
            /// <summary>
            /// The worker-process entry points of the <c>[ProcessTask]</c> methods of <c>{{Readable(tasks[0].ContainingType)}}</c>.
            /// The generated interceptors pass these descriptors to the pool; the dispatch table finds them by id in the worker.
            /// </summary>
            {{GeneratedCode.Attribute}}
            [global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]
            """);
        using (writer.Block($"{accessibility} static class {tasks[0].Descriptor.ClassName}"))
        {
            for (int i = 0; i < tasks.Count; i++)
            {
                if (i > 0)
                {
                    writer.Line();
                }

                EmitField(writer, tasks[i]);
            }
        }
    }

    private static void EmitField(SourceWriter writer, TaskModel task)
    {
        string accessibility = task.Descriptor.IsPublic ? "public" : "internal";
        string factory = task.IsAsync ? "CreateAsync" : "Create";
        string types = $"{task.ArgsType}, {task.ResultType}";
        writer.Line($$"""
            /// <summary>Runs <c>{{Escape(task.DisplayName)}}</c> in a worker process.</summary>
            {{accessibility}} static readonly global::ParallelGen.Dispatch.ProcessTask<{{types}}> {{task.Descriptor.FieldName}} =
                global::ParallelGen.Dispatch.ProcessTask.{{factory}}<{{types}}>(
                    id: 0x{{task.Id:X16}}UL,
                    name: {{GeneratedCode.Literal(task.DisplayName)}},
            """);
        string options = (task.AcceptsCancellation ? ",\nacceptsCancellation: true" : "") + (task.MaxRetries > 0 ? $",\nmaxRetries: {task.MaxRetries}" : "");
        string call = $"{task.ContainingType}.{task.MethodName}({Arguments(task)})";
        string body = task.ReturnKind switch
        {
            ReturnKind.Value or ReturnKind.ValueTaskOfT => $"body: static (args, cancellationToken) => {call}{options});",
            ReturnKind.TaskOfT => $"body: static (args, cancellationToken) => new global::System.Threading.Tasks.ValueTask<{task.ResultType}>({call}){options});",
            ReturnKind.Void => $$"""
                body: static (args, cancellationToken) =>
                {
                    {{call}};
                    return default;
                }{{options}});
                """,
            _ => $$"""
                body: static async (args, cancellationToken) =>
                {
                    await {{call}}.ConfigureAwait(false);
                    return default;
                }{{options}});
                """,
        };
        writer.Line("        " + body.Replace("\n", "\n        "));
    }

    private static string Arguments(TaskModel task)
    {
        List<string> arguments = task.Parameters.Count switch
        {
            0 => [],
            1 => ["args"],
            _ => [.. Enumerable.Range(1, task.Parameters.Count).Select(i => $"args.Item{i}")],
        };
        if (task.AcceptsCancellation)
        {
            arguments.Add("cancellationToken");
        }

        return string.Join(", ", arguments);
    }

    private static string Readable(string qualifiedType) => Escape(qualifiedType.Replace("global::", ""));

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
