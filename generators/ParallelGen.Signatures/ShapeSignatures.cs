using System.Collections.Generic;
using System.Linq;
using System.Text;
using ParallelGen.CallShapes;

namespace ParallelGen.Signatures;

/// <summary>
/// The method-group overloads of every call shape in <see cref="CallShapeTable"/>: <c>ProcessPool</c>'s Map, Starmap,
/// Apply and Imap families, <c>WorkerProcess.Start</c> and <c>PoolInitializer.Create</c>, one per task shape and arity.
/// </summary>
internal static class ShapeSignatures
{
    private const string TaskDoc = "A static <c>[ProcessTask]</c> method, passed by name (not a lambda).";
    private const string ChunkDoc = "Items per message to a worker. Default: items / (workers × 4), rounded up.";
    private const string ImapChunkDoc = "Items per message to a worker (default 1, as in Python).";
    private const string ProgressDoc = "Receives progress at most every 50 ms and at the end, for progress bars.";
    private const string ImapProgressDoc = "Receives progress at most every 50 ms: results arrived, and the total once the input has been read to its end.";
    private const string TokenDoc = "Drops the work not yet sent at once and signals the running tasks.";

    /// <summary>Per method: its summary, what <c>items</c> or the arguments are, what it returns, and its trailing parameters' docs.</summary>
    private static readonly Dictionary<string, MethodDocs> s_docs = new()
    {
        ["Map"] = new("Applies <paramref name=\"task\"/> to every item in the worker processes; results come back in input order (Python's <c>map</c>).",
            "The inputs, read to the end first (use Imap for lazy input).", "The results, in input order.",
            [("chunkSize", ChunkDoc), ("progress", ProgressDoc)]),
        ["Starmap"] = new("Calls <paramref name=\"task\"/> once per tuple of arguments in the worker processes; results come back in input order (Python's <c>starmap</c>).",
            "The argument tuples, read to the end first.", "The results, in input order.",
            [("chunkSize", ChunkDoc), ("progress", ProgressDoc)]),
        ["Apply"] = new("Runs <paramref name=\"task\"/> once in a worker process and waits for it (Python's <c>apply</c>).",
            "The task's argument {0}.", "The task's result.", []),
        ["ApplyAsync"] = new("Queues <paramref name=\"task\"/> to run once in a worker process (Python's <c>apply_async</c>).",
            "The task's argument {0}.", "The pending result: <c>Get()</c>, <c>Get(timeout)</c>, <c>Wait()</c>, <c>Ready</c>, <c>Successful</c>, or <c>await</c> it.",
            [("callback", "Runs in this process when the task succeeds, before the result is ready; never in a worker."),
             ("errorCallback", "Runs in this process when the call fails, before the result is ready."),
             ("cancellationToken", "Drops the call if it is still queued, or signals the running task.")],
            ResultAlways: true),
        ["Imap"] = new("Applies <paramref name=\"task\"/> to every item lazily; yields results in input order as they arrive (Python's <c>imap</c>).",
            "The inputs, pulled lazily as workers free up, so an endless or huge sequence streams in bounded memory.", "The results, in input order.",
            [("chunkSize", ImapChunkDoc), ("progress", ImapProgressDoc)]),
        ["ImapUnordered"] = new("Applies <paramref name=\"task\"/> to every item lazily; yields results as they complete (Python's <c>imap_unordered</c>).",
            "The inputs, pulled lazily as workers free up, so an endless or huge sequence streams in bounded memory.", "The results, in completion order.",
            [("chunkSize", ImapChunkDoc), ("progress", ImapProgressDoc)]),
        ["ImapAsync"] = new("Applies <paramref name=\"task\"/> to every item lazily; an asynchronous stream of results in input order.",
            "The inputs, pulled lazily as workers free up, so an endless or huge sequence streams in bounded memory.", "The results, in input order.",
            [("chunkSize", ImapChunkDoc), ("progress", ImapProgressDoc), ("cancellationToken", TokenDoc)]),
        ["Start"] = new("Starts <paramref name=\"task\"/> in a new process with these arguments (Python's <c>Process(target=..., args=...).start()</c>).",
            "The task's argument {0}.", "The running process: <c>Join</c>, <c>IsAlive</c>, <c>ExitCode</c>, <c>Terminate</c>.",
            [("options", "The process's name and daemon flag.")], ResultAlways: true, ResultNote: "a result is discarded"),
        ["Create"] = new("Creates an initializer: <paramref name=\"task\"/> runs once in every worker, with these arguments, before its first task.",
            "The task's argument {0}, sent to every worker.", "The initializer, for <see cref=\"ProcessPoolOptions.Initializer\"/>.",
            [], ResultAlways: true, ResultNote: "a result is ignored"),
    };

    /// <summary>Writes the overloads of every call shape declared on <paramref name="typeName"/> into <paramref name="className"/>.</summary>
    public static string Emit(string typeName, string className)
    {
        StringBuilder text = new(SignatureGenerator.Header("ParallelGen"));
        // No modifiers but partial: the class's own declaration says whether it is sealed (ProcessPool is not, so that
        // ParallelGen.Orleans' ClusterPool can be one).
        text.AppendLine($"public partial class {className}");
        text.AppendLine("{");
        foreach (CallShape call in CallShapeTable.All.Where(c => c.TypeName == typeName))
        {
            foreach (TaskShape shape in TaskShape.All.Where(s => s.HasResult || !call.NeedsResult))
            {
                for (int arity = call.MinArity; arity <= call.MaxArity; arity++)
                {
                    EmitOverload(text, call, shape, arity == 1 && call.Style == ArgumentStyle.Items ? ["TArg"] : SignatureGenerator.TypeNames(arity));
                }
            }
        }

        text.AppendLine("}");
        return text.ToString();
    }

    private static void EmitOverload(StringBuilder text, CallShape call, TaskShape shape, IReadOnlyList<string> types)
    {
        // MapAsync and StarmapAsync share the docs of Map and Starmap, plus their token.
        bool derived = !s_docs.TryGetValue(call.MethodName, out MethodDocs? docs);
        docs ??= s_docs[call.MethodName.Substring(0, call.MethodName.Length - "Async".Length)];
        List<string> parameters = [$"{shape.DelegateType(types)} {CallShapeTable.TaskParameter}"];
        List<(string Name, string Text)> parameterDocs = [(CallShapeTable.TaskParameter, TaskDoc)];
        if (call.Style == ArgumentStyle.Arguments)
        {
            for (int i = 0; i < types.Count; i++)
            {
                string name = CallShapeTable.ArgumentParameter(i + 1);
                parameters.Add($"{types[i]} {name}");
                parameterDocs.Add((name, string.Format(System.Globalization.CultureInfo.InvariantCulture, docs.Items, i + 1)));
            }
        }
        else
        {
            string element = types.Count == 1 ? types[0] : $"({string.Join(", ", types)})";
            parameters.Add($"IEnumerable<{element}> {CallShapeTable.ItemsParameter}");
            parameterDocs.Add((CallShapeTable.ItemsParameter, docs.Items));
        }

        string trailing = call.Trailing.Replace(CallShapeTable.CallbackPlaceholder, shape.HasResult ? "Action<TResult>? callback = null" : "Action? callback = null");
        if (trailing.Length > 0)
        {
            parameters.Add(trailing);
        }

        parameterDocs.AddRange(docs.Trailing);
        if (derived)
        {
            parameterDocs.Add(("cancellationToken", TokenDoc));
        }

        text.AppendLine($"    /// <summary>{docs.Summary}</summary>");
        string note = docs.ResultNote is null ? "" : $"; {docs.ResultNote}";
        text.AppendLine($"    /// <remarks>For {shape.Describe()}{note}. The ParallelGen generator checks the call at compile time and routes it to the task's worker-side stub.</remarks>");
        foreach (string type in types)
        {
            text.AppendLine($"    /// <typeparam name=\"{type}\">The type of a task parameter.</typeparam>");
        }

        if (shape.HasResult)
        {
            text.AppendLine("    /// <typeparam name=\"TResult\">The task's result type.</typeparam>");
        }

        foreach ((string name, string doc) in parameterDocs)
        {
            text.AppendLine($"    /// <param name=\"{name}\">{doc}</param>");
        }

        if (shape.HasResult || docs.ResultAlways)
        {
            text.AppendLine($"    /// <returns>{docs.Returns}</returns>");
        }

        SignatureGenerator.Method(text, shape, ReturnType(call, shape), call.MethodName, shape.TypeParameters(types), string.Join(", ", parameters));
    }

    private static string ReturnType(CallShape call, TaskShape shape)
    {
        string result = shape.HasResult ? "TResult" : "";
        return call.MethodName switch
        {
            "Map" or "Starmap" => shape.HasResult ? "TResult[]" : "void",
            "MapAsync" or "StarmapAsync" => shape.HasResult ? "Task<TResult[]>" : "Task",
            "Apply" => shape.HasResult ? "TResult" : "void",
            "ApplyAsync" => shape.HasResult ? "AsyncResult<TResult>" : "AsyncResult",
            "Imap" or "ImapUnordered" => $"IEnumerable<{result}>",
            "ImapAsync" => $"IAsyncEnumerable<{result}>",
            "Start" => "static WorkerProcess",
            _ => "static PoolInitializer",
        };
    }

    private sealed record MethodDocs(string Summary, string Items, string Returns, (string Name, string Text)[] Trailing, bool ResultAlways = false, string? ResultNote = null);
}
