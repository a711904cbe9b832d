using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ParallelGen.Signatures;

/// <summary>The method-group overloads of <c>ProcessPool</c>: Map, MapAsync, Starmap, StarmapAsync, Apply, ApplyAsync and the Imap family.</summary>
internal static class PoolSignatures
{
    private const string TaskDoc = "A static <c>[ProcessTask]</c> method, passed by name (not a lambda).";
    private const string ChunkDoc = "Items per message to a worker. Default: items / (workers × 4), rounded up.";
    private const string ProgressDoc = "Receives progress at most every 50 ms and at the end, for progress bars.";
    private const string TokenDoc = "Drops the work not yet sent at once and signals the running tasks.";

    public static string Emit()
    {
        StringBuilder text = new(SignatureGenerator.Header("ParallelGen"));
        text.AppendLine("public partial class ProcessPool");
        text.AppendLine("{");
        foreach (TaskShape shape in TaskShape.All)
        {
            EmitMap(text, shape, ["TArg"], "IEnumerable<TArg>", "Map", "MapAsync",
                "Applies <paramref name=\"task\"/> to every item in the worker processes; results come back in input order (Python's <c>map</c>).");
            for (int arity = 2; arity <= SignatureGenerator.MaxArity; arity++)
            {
                IReadOnlyList<string> types = SignatureGenerator.TypeNames(arity);
                EmitMap(text, shape, types, $"IEnumerable<({string.Join(", ", types)})>", "Starmap", "StarmapAsync",
                    "Calls <paramref name=\"task\"/> once per tuple of arguments in the worker processes; results come back in input order (Python's <c>starmap</c>).");
            }

            for (int arity = 0; arity <= SignatureGenerator.MaxArity; arity++)
            {
                EmitApply(text, shape, SignatureGenerator.TypeNames(arity));
            }

            if (shape.HasResult)
            {
                EmitImap(text, shape);
            }
        }

        text.AppendLine("}");
        return text.ToString();
    }

    private static void EmitMap(StringBuilder text, TaskShape shape, IReadOnlyList<string> types, string itemsType, string name, string asyncName, string summary)
    {
        string del = shape.DelegateType(types);
        string typeParameters = shape.TypeParameters(types);
        string common = $"{del} task, {itemsType} items, int? chunkSize = null, IProgress<PoolProgress>? progress = null";
        string itemsDoc = types.Count == 1 ? "The inputs, read to the end first (use Imap for lazy input)." : "The argument tuples, read to the end first.";

        Doc(text, summary, shape, types, [("task", TaskDoc), ("items", itemsDoc), ("chunkSize", ChunkDoc), ("progress", ProgressDoc)],
            shape.HasResult ? "The results, in input order." : null);
        SignatureGenerator.Method(text, shape, shape.HasResult ? "TResult[]" : "void", name, typeParameters, common);

        Doc(text, summary, shape, types, [("task", TaskDoc), ("items", itemsDoc), ("chunkSize", ChunkDoc), ("progress", ProgressDoc), ("cancellationToken", TokenDoc)],
            shape.HasResult ? "The results, in input order." : null);
        SignatureGenerator.Method(text, shape, shape.HasResult ? "Task<TResult[]>" : "Task", asyncName, typeParameters, $"{common}, CancellationToken cancellationToken = default");
    }

    private static void EmitApply(StringBuilder text, TaskShape shape, IReadOnlyList<string> types)
    {
        string del = shape.DelegateType(types);
        string typeParameters = shape.TypeParameters(types);
        string args = string.Concat(types.Select((t, i) => $", {t} arg{i + 1}"));
        List<(string, string)> argDocs = [("task", TaskDoc), .. types.Select((t, i) => ($"arg{i + 1}", $"The task's argument {i + 1}."))];

        Doc(text, "Runs <paramref name=\"task\"/> once in a worker process and waits for it (Python's <c>apply</c>).", shape, types, argDocs,
            shape.HasResult ? "The task's result." : null);
        SignatureGenerator.Method(text, shape, shape.HasResult ? "TResult" : "void", "Apply", typeParameters, $"{del} task{args}");

        string callback = shape.HasResult ? "Action<TResult>? callback = null" : "Action? callback = null";
        Doc(text, "Queues <paramref name=\"task\"/> to run once in a worker process (Python's <c>apply_async</c>).", shape, types,
            [.. argDocs,
             ("callback", "Runs in this process when the task succeeds, before the result is ready; never in a worker."),
             ("errorCallback", "Runs in this process when the call fails, before the result is ready."),
             ("cancellationToken", "Drops the call if it is still queued, or signals the running task.")],
            "The pending result: <c>Get()</c>, <c>Get(timeout)</c>, <c>Wait()</c>, <c>Ready</c>, <c>Successful</c>, or <c>await</c> it.");
        SignatureGenerator.Method(text, shape, shape.HasResult ? "AsyncResult<TResult>" : "AsyncResult", "ApplyAsync", typeParameters,
            $"{del} task{args}, {callback}, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default");
    }

    private static void EmitImap(StringBuilder text, TaskShape shape)
    {
        IReadOnlyList<string> types = ["TArg"];
        string del = shape.DelegateType(types);
        string typeParameters = shape.TypeParameters(types);
        (string, string)[] docs =
        [
            ("task", TaskDoc),
            ("items", "The inputs, pulled lazily as workers free up, so an endless or huge sequence streams in bounded memory."),
            ("chunkSize", "Items per message to a worker (default 1, as in Python)."),
            ("progress", "Receives progress at most every 50 ms: results arrived, and the total once the input has been read to its end."),
        ];

        Doc(text, "Applies <paramref name=\"task\"/> to every item lazily; yields results in input order as they arrive (Python's <c>imap</c>).", shape, types, docs,
            "The results, in input order.");
        SignatureGenerator.Method(text, shape, "IEnumerable<TResult>", "Imap", typeParameters, $"{del} task, IEnumerable<TArg> items, int chunkSize = 1, IProgress<PoolProgress>? progress = null");

        Doc(text, "Applies <paramref name=\"task\"/> to every item lazily; yields results as they complete (Python's <c>imap_unordered</c>).", shape, types, docs,
            "The results, in completion order.");
        SignatureGenerator.Method(text, shape, "IEnumerable<TResult>", "ImapUnordered", typeParameters, $"{del} task, IEnumerable<TArg> items, int chunkSize = 1, IProgress<PoolProgress>? progress = null");

        Doc(text, "Applies <paramref name=\"task\"/> to every item lazily; an asynchronous stream of results in input order.", shape, types,
            [.. docs, ("cancellationToken", TokenDoc)],
            "The results, in input order.");
        SignatureGenerator.Method(text, shape, "IAsyncEnumerable<TResult>", "ImapAsync", typeParameters, $"{del} task, IEnumerable<TArg> items, int chunkSize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default");
    }

    private static void Doc(StringBuilder text, string summary, TaskShape shape, IReadOnlyList<string> types, IEnumerable<(string Name, string Text)> parameters, string? returns)
    {
        text.AppendLine($"    /// <summary>{summary}</summary>");
        text.AppendLine($"    /// <remarks>For {shape.Describe()}. The ParallelGen generator checks the call at compile time and routes it to the task's worker-side stub.</remarks>");
        foreach (string type in types)
        {
            text.AppendLine($"    /// <typeparam name=\"{type}\">The type of a task parameter.</typeparam>");
        }

        if (shape.HasResult)
        {
            text.AppendLine("    /// <typeparam name=\"TResult\">The task's result type.</typeparam>");
        }

        foreach ((string name, string doc) in parameters)
        {
            text.AppendLine($"    /// <param name=\"{name}\">{doc}</param>");
        }

        if (returns is not null)
        {
            text.AppendLine($"    /// <returns>{returns}</returns>");
        }
    }
}
