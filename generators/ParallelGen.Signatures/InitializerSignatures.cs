using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ParallelGen.Signatures;

/// <summary>The method-group overloads of <c>PoolInitializer.Create</c>: one per task shape and arity.</summary>
internal static class InitializerSignatures
{
    public static string Emit()
    {
        StringBuilder text = new(SignatureGenerator.Header("ParallelGen"));
        text.AppendLine("public sealed partial class PoolInitializer");
        text.AppendLine("{");
        foreach (TaskShape shape in TaskShape.All)
        {
            for (int arity = 0; arity <= SignatureGenerator.MaxArity; arity++)
            {
                IReadOnlyList<string> types = SignatureGenerator.TypeNames(arity);
                string args = string.Concat(types.Select((t, i) => $", {t} arg{i + 1}"));
                text.AppendLine("    /// <summary>Creates an initializer: <paramref name=\"task\"/> runs once in every worker, with these arguments, before its first task.</summary>");
                text.AppendLine($"    /// <remarks>For {shape.Describe()}; a result is ignored. The ParallelGen generator checks the call at compile time.</remarks>");
                text.AppendLine("    /// <param name=\"task\">A static <c>[ProcessTask]</c> method, passed by name (not a lambda).</param>");
                foreach (string type in types)
                {
                    text.AppendLine($"    /// <typeparam name=\"{type}\">The type of a task parameter.</typeparam>");
                }

                if (shape.HasResult)
                {
                    text.AppendLine("    /// <typeparam name=\"TResult\">The task's result type (ignored).</typeparam>");
                }

                for (int i = 0; i < arity; i++)
                {
                    text.AppendLine($"    /// <param name=\"arg{i + 1}\">The task's argument {i + 1}, sent to every worker.</param>");
                }

                text.AppendLine("    /// <returns>The initializer, for <see cref=\"ProcessPoolOptions.Initializer\"/>.</returns>");
                SignatureGenerator.Method(text, shape, "static PoolInitializer", "Create", shape.TypeParameters(types), $"{shape.DelegateType(types)} task{args}");
            }
        }

        text.AppendLine("}");
        return text.ToString();
    }
}
