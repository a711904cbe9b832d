using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using ParallelGen.CallShapes;
using ParallelGen.Dispatch;

namespace ParallelGen.Generators.Tests;

/// <summary>The call-shape table agrees with the runtime's overloads, filters call sites by name, and every spelling that builds is routed.</summary>
public sealed partial class CallShapeTests
{
    private const string Tasks = """
        using System;
        using ParallelGen;

        namespace Demo;

        public static class Work
        {
            [ProcessTask] public static int Square(int x) => x * x;
            [ProcessTask] public static long Add(int a, long b) => a + b;
        }

        """;

    /// <summary>Six calls that spell the task or the arguments differently; each must be routed (and report nothing).</summary>
    internal const string HarmlessSpellings = """
        public static class Program
        {
            public static void Run(ProcessPool pool, int[] data)
            {
                pool.Map((Func<int, int>)Work.Square, data);
                pool.Map((Work.Square), data);
                pool.Map(new Func<int, int>(Work.Square), data);
                pool.Map(items: data, task: Work.Square);
                pool.Apply(arg2: 2L, task: Work.Add, arg1: 1);
                pool.Apply(Work.Add, arg2: 2L, arg1: 1);
            }
        }
        """;

    [Fact]
    public void Every_ProcessTaskCall_overload_of_the_runtime_has_a_shape_and_uses_its_parameter_names()
    {
        MethodInfo[] overloads =
        [
            .. typeof(ProcessPool).Assembly.GetExportedTypes()
                .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                .Where(method => method.GetCustomAttribute<ProcessTaskCallAttribute>() is not null),
        ];
        Assert.NotEmpty(overloads);
        foreach (MethodInfo overload in overloads)
        {
            CallShape? shape = CallShapeTable.Find(overload.DeclaringType!.FullName!, overload.Name);
            Assert.True(shape is not null, $"{overload.DeclaringType.Name}.{overload.Name} has no call shape");
            Assert.Equal(shape.IsStatic, overload.IsStatic);
            ParameterInfo[] parameters = overload.GetParameters();
            Assert.Equal(CallShapeTable.TaskParameter, parameters[0].Name);
            int arguments = parameters.Count(p => CallShapeTable.IsArgumentParameter(p.Name!));
            if (shape.Style == ArgumentStyle.Arguments)
            {
                Assert.InRange(arguments, shape.MinArity, shape.MaxArity);
                Assert.DoesNotContain(parameters, p => p.Name == CallShapeTable.ItemsParameter);
            }
            else
            {
                Assert.Equal(0, arguments);
                Assert.Equal(CallShapeTable.ItemsParameter, parameters[1].Name);
            }
        }

        // And every shape has overloads: the table describes nothing that does not exist.
        Assert.All(CallShapeTable.All, shape => Assert.Contains(overloads, o => o.Name == shape.MethodName && o.DeclaringType!.FullName == shape.TypeName));
    }

    [Fact]
    public void Only_invocations_named_like_a_call_shape_reach_the_semantic_model()
    {
        string unrelated = string.Join("\n", Enumerable.Range(0, 50).Select(i => $"        System.Console.WriteLine({i}); Helper(Work.Square);"));
        string source = Tasks + $$"""
            public static class Program
            {
                private static void Helper(Func<int, int> f) { }

                public static void Run(ProcessPool pool, int[] data)
                {
            {{unrelated}}
                    pool.Map(Work.Square, data);
                    pool.Apply(Work.Add, 1, 2L);
                }
            }
            """;
        SyntaxNode root = TestCompilation.Create(source).SyntaxTrees.Single().GetRoot();
        SyntaxNode[] invocations = [.. root.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>()];

        // Of 102 invocations, 50 pass a method group first like a pool call does; only the two pool calls pass the
        // filter, so only they reach the semantic model.
        Assert.Equal(102, invocations.Length);
        Assert.Equal(2, invocations.Count(node => Parsing.CallSiteRules.IsCandidate(node, CancellationToken.None)));
    }

    [Fact]
    public void Casts_parentheses_new_delegates_and_named_arguments_in_any_order_are_intercepted()
    {
        (GeneratorRunResult result, Compilation output) = TestCompilation.Run(TestCompilation.Create(Tasks + HarmlessSpellings));

        TestCompilation.AssertClean(output);
        string interceptors = result.GeneratedSources.Single(s => s.HintName == "ParallelGen.Interceptors.g.cs").SourceText.ToString();
        Assert.Equal(6, InterceptsLocation().Matches(interceptors).Count);
    }

    [GeneratedRegex(@"\[global::System\.Runtime\.CompilerServices\.InterceptsLocation\(")]
    private static partial Regex InterceptsLocation();
}
