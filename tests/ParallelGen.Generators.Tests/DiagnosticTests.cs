namespace ParallelGen.Generators.Tests;

/// <summary>One test per diagnostic id: the id and the exact span it is reported on.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using ParallelGen;

        """;

    private const string Tasks = """
        public class Work
        {
            [ProcessTask] public static int Square(int x) => x * x;
            [ProcessTask] public static long Add(int a, long b) => a + b;
            public static int NotATask(int x) => x;
            public int Instance(int x) => x;
        }

        """;

    [Fact]
    public Task PG0001_instance_task() => AnalyzerVerifier.VerifyAsync(Usings + """
        public class Work
        {
            [ProcessTask] public int {|PG0001:Square|}(int x) => x * x;
        }
        """);

    [Fact]
    public Task PG0002_generic_task() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work
        {
            [ProcessTask] public static T {|PG0002:Echo|}<T>(T value) => value;
        }
        """);

    [Fact]
    public Task PG0002_task_in_generic_type() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work<T>
        {
            [ProcessTask] public static int {|PG0002:Square|}(int x) => x * x;
        }
        """);

    [Fact]
    public Task PG0003_ref_out_and_in_parameters() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work
        {
            [ProcessTask] public static void Bump(ref int {|PG0003:x|}) => x++;
            [ProcessTask] public static void Make(out int {|PG0003:x|}) => x = 1;
            [ProcessTask] public static int Read(in int {|PG0003:x|}) => x;
        }
        """);

    [Fact]
    public Task PG0004_span_and_pointer_parameters() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static unsafe class Work
        {
            [ProcessTask] public static int Sum(Span<int> {|PG0004:values|}) => values.Length;
            [ProcessTask] public static int Peek(int* {|PG0004:p|}) => *p;
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task PG0005_unserializable_parameter_and_result() => AnalyzerVerifier.VerifyAsync(Usings + """
        public sealed class Connection { }

        public static class Work
        {
            [ProcessTask] public static int Use(Connection {|PG0005:connection|}) => 0;
            [ProcessTask] public static object {|PG0005:Box|}(int x) => x;
            [ProcessTask] public static Task<List<Connection>> {|PG0005:OpenAll|}(int count) => Task.FromResult(new List<Connection>());
            [ProcessTask] public static int Call(Func<int> {|PG0005:callback|}) => 0;
        }
        """);

    [Fact]
    public Task PG0006_private_task() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work
        {
            [ProcessTask] private static int {|PG0006:Square|}(int x) => x * x;

            private static class Hidden
            {
                [ProcessTask] public static int {|PG0006:Cube|}(int x) => x * x * x;
            }
        }
        """);

    [Fact]
    public Task PG0007_too_many_parameters() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work
        {
            [ProcessTask] public static int {|PG0007:Sum|}(int a, int b, int c, int d, int e, int f, int g, int h, int i) => a;
        }
        """);

    [Fact]
    public Task PG0008_token_not_last() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work
        {
            [ProcessTask] public static int Wait(CancellationToken {|PG0008:cancellationToken|}, int milliseconds) => milliseconds;
        }
        """);

    [Fact]
    public Task PG0009_negative_retries() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work
        {
            [ProcessTask(MaxRetries = -1)] public static int {|PG0009:Square|}(int x) => x * x;
        }
        """);

    [Fact]
    public Task PG0010_async_void_task() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work
        {
            [ProcessTask] public static async void {|PG0010:Notify|}(string message) => await Task.Yield();
        }
        """);

    [Fact]
    public Task PG0100_lambda() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static int[] Run(ProcessPool pool, int[] data) => pool.Map({|PG0100:x => x * x|}, data);
        }
        """);

    [Fact]
    public Task PG0100_lambda_to_WorkerProcess_Start() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static WorkerProcess Run() => WorkerProcess.Start({|PG0100:(int x) => Console.WriteLine(x)|}, 1);
        }
        """);

    [Fact]
    public Task PG0100_lambda_as_pool_initializer() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static ProcessPoolOptions Options() => new() { Initializer = PoolInitializer.Create({|PG0100:(string name) => Console.WriteLine(name)|}, "db") };
        }
        """);

    [Fact]
    public Task PG0106_wrong_argument_type_for_the_pool_initializer() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Setup
        {
            [ProcessTask] public static void Connect(string connectionString, int retries) { }
        }

        public static class Program
        {
            public static ProcessPoolOptions Options() => new() { Initializer = PoolInitializer.Create(Setup.Connect, "db", {|PG0106:"three"|}) };
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task PG0101_local_function() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static int[] Run(ProcessPool pool, int[] data)
            {
                static int Twice(int x) => 2 * x;
                return pool.Map({|PG0101:Twice|}, data);
            }
        }
        """);

    [Fact]
    public Task PG0102_instance_method() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static int[] Run(ProcessPool pool, int[] data, Work work) => pool.Map({|PG0102:work.Instance|}, data);
        }
        """);

    [Fact]
    public Task PG0103_method_without_the_attribute() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static int[] Run(ProcessPool pool, int[] data) => pool.Map({|PG0103:Work.NotATask|}, data);
        }
        """);

    [Fact]
    public Task PG0104_delegate_value() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static int[] Run(ProcessPool pool, int[] data)
            {
                Func<int, int> square = Work.Square;
                return pool.Map({|PG0104:square|}, data);
            }
        }
        """);

    [Fact]
    public Task PG0105_wrong_argument_count_for_Apply() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static long Run(ProcessPool pool) => pool.Apply{|PG0105:(Work.Add, 1)|};
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task PG0105_Starmap_tuples_of_the_wrong_size() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static long[] Run(ProcessPool pool, (int, long, int)[] triples) => pool.Starmap(Work.Add, {|PG0105:triples|});
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task PG0106_wrong_argument_type_for_Apply() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static long Run(ProcessPool pool) => pool.Apply(Work.Add, {|PG0106:"one"|}, 2L);
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task PG0106_Starmap_tuple_element_of_the_wrong_type() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static long[] Run(ProcessPool pool, (string, long)[] pairs) => pool.Starmap(Work.Add, {|PG0106:pairs|});
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task PG0107_task_from_an_assembly_built_without_the_generator()
    {
        // Compiled without the generator: the task is declared, but its descriptor was never generated.
        using MemoryStream image = new();
        Assert.True(TestCompilation.Create("""
            using ParallelGen;

            namespace Shared;

            public static class Work
            {
                [ProcessTask] public static int Square(int x) => x * x;
            }
            """, assemblyName: "Shared").Emit(image).Success);
        Microsoft.CodeAnalysis.MetadataReference shared = Microsoft.CodeAnalysis.MetadataReference.CreateFromImage(image.ToArray());

        return AnalyzerVerifier.VerifyAsync(Usings + """
            public static class Program
            {
                public static int[] Run(ProcessPool pool, int[] data) => pool.Map({|PG0107:Shared.Work.Square|}, data);
            }
            """, additionalReferences: [shared]);
    }

    [Fact]
    public Task Valid_tasks_and_calls_report_nothing() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class More
        {
            [ProcessTask] public static async Task<string> FetchAsync(string url, CancellationToken cancellationToken) { await Task.Yield(); return url; }
            [ProcessTask] internal static void Log(string message) { }
            [ProcessTask] public static Dictionary<string, int[]> Group(List<(string, int)> pairs) => new();
        }

        public static class Program
        {
            public static async Task Run(ProcessPool pool, int[] data)
            {
                pool.Map(Work.Square, data);
                pool.Apply(Work.Add, 1, 2L);
                pool.Starmap(Work.Add, new[] { (1, 2L) });
                await pool.ApplyAsync(More.FetchAsync, "x", callback: page => Console.WriteLine(page));
                pool.Apply(More.Log, "hello");
                pool.Apply(More.Group, new List<(string, int)>());
            }
        }
        """);

    [Fact]
    public Task PG0108_extension_method_passed_through_a_receiver() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Text
        {
            [ProcessTask] public static string Concat2(this string a, string b) => a + b;
        }

        public static class Program
        {
            public static string[] Run(ProcessPool pool, string[] data) => pool.Map({|PG0108:"ab".Concat2|}, data);
        }
        """);

    [Fact]
    public Task PG0109_pool_method_taken_as_a_delegate() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class Program
        {
            public static int[] Run(ProcessPool pool, int[] data)
            {
                Func<Func<int, int>, IEnumerable<int>, int?, IProgress<PoolProgress>?, int[]> map = {|PG0109:pool.Map<int, int>|};
                return map(Work.Square, data, null, null);
            }
        }
        """);

    [Fact]
    public Task PG0110_hand_made_descriptor() => AnalyzerVerifier.VerifyAsync(Usings + """
        using ParallelGen.Dispatch;

        public static class Program
        {
            public static int[] Run(ProcessPool pool, int[] data, int offset)
            {
                ProcessTask<int, int> task = {|PG0110:ProcessTask.Create<int, int>(1, "AddOffset", (x, _) => x + offset)|};
                return pool.Map(task, data);
            }
        }
        """);

    [Fact]
    public Task Harmless_spellings_of_a_task_are_routed_and_report_nothing() =>
        AnalyzerVerifier.VerifyAsync(Usings + Tasks + CallShapeTests.HarmlessSpellings);

    [Fact]
    public Task PG0112_an_argument_a_direct_call_would_convert() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class More
        {
            [ProcessTask] public static int CountWords(List<string> words) => words.Count;
            [ProcessTask] public static int Length(string text) => text.Length;
            [ProcessTask] public static long Half(long x) => x / 2;
        }

        public static class Program
        {
            public static void Run(ProcessPool pool, int[] ints)
            {
                pool.Apply(Work.Add, 1, {|PG0112:2|});
                pool.Apply(Work.Square, {|PG0112:null|});
                pool.Apply(More.Length, {|PG0112:null|});
                pool.Apply(More.CountWords, {|PG0112:["a", "b"]|});
                pool.Map(More.Half, {|PG0112:ints|});
            }
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task PG0113_a_task_chosen_at_run_time() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class More
        {
            [ProcessTask] public static int Cube(int x) => x * x * x;
        }

        public static class Program
        {
            public static int[] Run(ProcessPool pool, int[] data, bool flag) => pool.Map({|PG0113:flag ? Work.Square : More.Cube|}, data);
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task PG0114_no_overload_of_the_task_fits() => AnalyzerVerifier.VerifyAsync(Usings + """
        public static class Work
        {
            [ProcessTask] public static int Twice(int x) => 2 * x;
            [ProcessTask] public static double Twice(double x) => 2 * x;
        }

        public static class Program
        {
            public static void Run(ProcessPool pool, string[] words) => pool.Map(Work.Twice, {|PG0114:words|});
        }
        """, ignoreCompilerErrors: true);

    [Fact]
    public Task A_derived_argument_for_a_base_parameter_is_routed() => AnalyzerVerifier.VerifyAsync(Usings + """
        [MemoryPack.MemoryPackable] public partial class Animal { public string Name { get; set; } = ""; }
        public sealed class Dog : Animal { }

        public static class Work
        {
            [ProcessTask] public static string NameOf(Animal animal) => animal.Name;
        }

        public static class Program
        {
            public static void Run(ProcessPool pool, Dog dog, List<Dog> dogs)
            {
                pool.Apply(Work.NameOf, dog);
                pool.Map(Work.NameOf, dogs);
            }
        }
        """);

    [Fact]
    public Task PG0111_a_ProcessTaskCall_method_that_is_not_a_call_shape() => AnalyzerVerifier.VerifyAsync(Usings + Tasks + """
        public static class MyPool
        {
            [ParallelGen.Dispatch.ProcessTaskCall] public static int[] Map(Func<int, int> task, int[] items) => throw new NotSupportedException();
        }

        public static class Program
        {
            public static int[] Run(int[] data) => {|PG0111:MyPool.Map(Work.Square, data)|};
        }
        """);
}
