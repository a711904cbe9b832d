using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ParallelGen.Signatures;

/// <summary>The method-group overloads of <c>WorkerProcess.Start</c>: one per task shape and arity.</summary>
internal static class ProcessSignatures
{
    public static string Emit()
    {
        StringBuilder text = new(SignatureGenerator.Header("ParallelGen"));
        text.AppendLine("public sealed partial class WorkerProcess");
        text.AppendLine("{");
        foreach (TaskShape shape in TaskShape.All)
        {
            for (int arity = 0; arity <= SignatureGenerator.MaxArity; arity++)
            {
                IReadOnlyList<string> types = SignatureGenerator.TypeNames(arity);
                string args = string.Concat(types.Select((t, i) => $", {t} arg{i + 1}"));
                text.AppendLine("    /// <summary>Starts <paramref name=\"task\"/> in a new process with these arguments (Python's <c>Process(target=..., args=...).start()</c>).</summary>");
                text.AppendLine($"    /// <remarks>For {shape.Describe()}; a result is discarded. The ParallelGen generator checks the call at compile time.</remarks>");
                foreach (string type in types)
                {
                    text.AppendLine($"    /// <typeparam name=\"{type}\">The type of a task parameter.</typeparam>");
                }

                if (shape.HasResult)
                {
                    text.AppendLine("    /// <typeparam name=\"TResult\">The task's result type (discarded).</typeparam>");
                }

                text.AppendLine("    /// <param name=\"task\">A static <c>[ProcessTask]</c> method, passed by name (not a lambda).</param>");
                for (int i = 0; i < arity; i++)
                {
                    text.AppendLine($"    /// <param name=\"arg{i + 1}\">The task's argument {i + 1}.</param>");
                }

                text.AppendLine("    /// <param name=\"options\">The process's name and daemon flag.</param>");
                text.AppendLine("    /// <returns>The running process: <c>Join</c>, <c>IsAlive</c>, <c>ExitCode</c>, <c>Terminate</c>.</returns>");
                SignatureGenerator.Method(text, shape, "static WorkerProcess", "Start", shape.TypeParameters(types), $"{shape.DelegateType(types)} task{args}, WorkerProcessOptions? options = null");
            }
        }

        text.AppendLine("}");
        return text.ToString();
    }
}
