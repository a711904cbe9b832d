using System.Collections.Generic;
using System.Linq;
using ParallelGen.CallShapes;
using ParallelGen.Generators.Model;

namespace ParallelGen.Generators.Emitting;

/// <summary>
/// Emits <c>ParallelGen.Interceptors.g.cs</c>: one method per task and call shape, carrying the
/// <c>[InterceptsLocation]</c> of every call it replaces. Each forwards to the overload of the same name that takes the
/// task's descriptor, packing <c>arg1..argN</c> into the descriptor's argument type and passing the rest by name.
/// </summary>
internal static class InterceptorEmitter
{
    public const string HintName = "ParallelGen.Interceptors.g.cs";

    public static string Emit(IReadOnlyList<CallSiteModel> calls)
    {
        // An interceptor passes values through unchanged between the call site's types and the task descriptor's, which
        // differ at most in nullable annotations: the project, the task's file and the call's file may each have their
        // own nullable context. Annotations stay on so the signatures match the calls; flow analysis is off, because the
        // compiler already checks each call where the user wrote it.
        SourceWriter writer = new SourceWriter().FileHeader("#nullable enable annotations");
        using (writer.Block("namespace System.Runtime.CompilerServices"))
        {
            writer.Line($$"""
                /// <summary>The compiler's interceptor attribute, declared in this file as the compiler expects.</summary>
                {{GeneratedCode.Attribute}}
                [global::System.AttributeUsage(global::System.AttributeTargets.Method, AllowMultiple = true)]
                file sealed class InterceptsLocationAttribute : global::System.Attribute
                {
                    public InterceptsLocationAttribute(int version, string data)
                    {
                        _ = version;
                        _ = data;
                    }
                }
                """);
        }

        writer.Line();
        using (writer.Block($"namespace {GeneratedCode.Namespace}"))
        {
            writer.Line($$"""
                /// <summary>Routes calls that pass <c>[ProcessTask]</c> methods by name to the tasks' generated descriptors.</summary>
                {{GeneratedCode.Attribute}}
                """);
            using (writer.Block("file static class ProcessTaskInterceptors"))
            {
                var groups = calls
                    .GroupBy(c => c.Target)
                    .Select(g => (Target: g.Key, Locations: g.Select(c => c.Location).OrderBy(l => l.Display, System.StringComparer.Ordinal).ThenBy(l => l.Data, System.StringComparer.Ordinal).ToList()))
                    .OrderBy(g => g.Target.MethodName, System.StringComparer.Ordinal)
                    .ThenBy(g => g.Target.TaskMethodName, System.StringComparer.Ordinal)
                    .ThenBy(g => g.Locations[0].Display, System.StringComparer.Ordinal)
                    .ToList();
                Dictionary<string, int> used = [];
                for (int i = 0; i < groups.Count; i++)
                {
                    if (i > 0)
                    {
                        writer.Line();
                    }

                    string name = $"{groups[i].Target.MethodName}_{groups[i].Target.TaskMethodName}";
                    used[name] = used.TryGetValue(name, out int count) ? count + 1 : 1;
                    EmitInterceptor(writer, groups[i].Target, groups[i].Locations, used[name] == 1 ? name : $"{name}_{used[name]}");
                }
            }
        }

        return writer.ToString();
    }

    private static void EmitInterceptor(SourceWriter writer, InterceptorTarget target, IReadOnlyList<InterceptLocation> locations, string name)
    {
        foreach (InterceptLocation location in locations)
        {
            writer.Line($"[global::System.Runtime.CompilerServices.InterceptsLocation({location.Version}, {GeneratedCode.Literal(location.Data)})] // {location.Display}");
        }

        List<string> parameters = [.. target.Parameters.Select(p => $"{p.Type} {Identifier(p.Name)}")];
        if (!target.IsStatic)
        {
            parameters.Insert(0, $"this {target.ContainingType} receiver");
        }

        string receiver = target.IsStatic ? target.ContainingType : "receiver";
        writer.Line($"public static {target.ReturnType} {name}({string.Join(", ", parameters)}) =>");
        writer.Line($"    {receiver}.{target.MethodName}({string.Join(", ", ForwardedArguments(target))});");
    }

    private static IEnumerable<string> ForwardedArguments(InterceptorTarget target)
    {
        yield return target.Task.QualifiedFieldName;
        ParameterModel[] rest = [.. target.Parameters.Skip(1)];
        string[] packed = [.. rest.Where(p => CallShapeTable.IsArgumentParameter(p.Name)).Select(p => Identifier(p.Name))];
        if (target.Style == ArgumentStyle.Arguments)
        {
            yield return packed.Length switch
            {
                0 => "default(global::ParallelGen.Unit)",
                1 => packed[0],
                _ => $"({string.Join(", ", packed)})",
            };
        }

        foreach (ParameterModel parameter in rest.Where(p => !CallShapeTable.IsArgumentParameter(p.Name)))
        {
            yield return $"{parameter.Name}: {Identifier(parameter.Name)}";
        }
    }

    private static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;
}
