using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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

    [Fact]
    public void A_call_routed_from_its_syntax_is_one_the_bound_rules_route_to_the_same_overload()
    {
        string source = """
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using ParallelGen;

            namespace Demo;

            public class Animal { }
            public sealed class Dog : Animal { }

            public static class Work
            {
                [ProcessTask] public static int Square(int x) => x * x;
                [ProcessTask] public static long Add(int a, long b) => a + b;
                [ProcessTask] public static void Log(string message) { }
                [ProcessTask] public static int Seed() => 1;
                [ProcessTask] public static Task<string> FetchAsync(string url, CancellationToken cancellationToken) => Task.FromResult(url);
                [ProcessTask] public static ValueTask<int> CountAsync(List<string> lines) => new(lines.Count);
                [ProcessTask] public static Task FlushAsync() => Task.CompletedTask;
                [ProcessTask] public static ValueTask PauseAsync(int ms, CancellationToken cancellationToken) => default;
                [ProcessTask] public static string? Find(string? key) => key;
                [ProcessTask] public static int Twice(int x) => 2 * x;
                [ProcessTask] public static double Twice(double x) => 2 * x;
            }

            public static class Program
            {
                public static async Task Run(ProcessPool pool, ProcessPool? maybe, int[] data, string key, List<Dog> dogs)
                {
                    pool.Map(Work.Square, data);
                    await pool.MapAsync(Work.Square, data, chunkSize: 2);
                    pool.Starmap(Work.Add, new[] { (1, 2L) });
                    await pool.StarmapAsync(Work.Add, new[] { (1, 2L) });
                    pool.Apply(Work.Add, 1, 2L);
                    pool.Apply(Work.Log, "x");
                    pool.Apply(Work.Seed);
                    pool.Apply(Work.Find, key);
                    await pool.ApplyAsync(Work.FetchAsync, "u", callback: s => { });
                    await pool.ApplyAsync(Work.CountAsync, new List<string>());
                    await pool.ApplyAsync(Work.FlushAsync);
                    await pool.ApplyAsync(Work.PauseAsync, 5);
                    foreach (int x in pool.Imap(Work.Square, data)) { }
                    foreach (int x in pool.ImapUnordered(Work.Square, data, chunkSize: 4)) { }
                    await foreach (int x in pool.ImapAsync(Work.Square, data)) { }
                    maybe?.Map(Work.Square, data);
                    WorkerProcess.Start(Work.Log, "x").Join();
                    PoolInitializer.Create(Work.Log, "x");
                    pool.Apply<int, long, long>(Work.Add, 1, 2);
                    pool.Map(Work.Twice, data);
                    pool.Map((Func<int, int>)Work.Square, data);
                }
            }
            """;
        CSharpCompilation compilation = TestCompilation.Create(source);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SemanticModel model = compilation.GetSemanticModel(tree);
        int routed = 0;
        List<string> fallbacks = [];
        foreach (InvocationExpressionSyntax invocation in tree.GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>().Where(i => Parsing.CallSiteRules.IsCandidate(i, default)))
        {
            Parsing.CallSiteVerdict verdict = Parsing.CallSiteRules.Check((Microsoft.CodeAnalysis.Operations.IInvocationOperation)model.GetOperation(invocation)!, default)!;
            Assert.True(verdict.Problem == Parsing.CallProblem.None, $"{invocation}: {verdict.Problem}");
            if (Parsing.CallSiteRoutes.TryRoute(invocation, model, default) is { } route)
            {
                routed++;
                Assert.True(SymbolEqualityComparer.Default.Equals(route.Task, verdict.Task), invocation.ToString());
                Assert.True(SymbolEqualityComparer.Default.Equals(route.Overload, verdict.Target.OriginalDefinition), $"{invocation}: {route.Overload} but bound to {verdict.Target.OriginalDefinition}");
            }
            else
            {
                fallbacks.Add(invocation.ToString());
            }
        }

        // All but the explicit type arguments, the overloaded task and the cast are routed from their syntax (the
        // others go through the bound rules, as before).
        Assert.Equal(["pool.Apply<int, long, long>(Work.Add, 1, 2)", "pool.Map(Work.Twice, data)", "pool.Map((Func<int, int>)Work.Square, data)"], fallbacks);
        Assert.Equal(18, routed);
        (_, Compilation output) = TestCompilation.Run(compilation);
        TestCompilation.AssertClean(output);
    }

    [GeneratedRegex(@"\[global::System\.Runtime\.CompilerServices\.InterceptsLocation\(")]
    private static partial Regex InterceptsLocation();
}
