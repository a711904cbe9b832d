using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;

namespace ParallelGen.IntegrationTests;

/// <summary>Call spellings the generator routes since the call-shape table, and types it accepts since the walk follows MemoryPack, through real workers.</summary>
public sealed class CallShapeAndTypeTests
{
    [Fact]
    public Task Casts_parentheses_new_delegates_and_reordered_named_arguments_run_in_workers() => Deadline.Run(() =>
    {
        using TestPool test = new();
        int[] data = [1, 2, 3];

        Assert.Equal([1, 4, 9], test.Pool.Map((Func<int, int>)Work.Square, data));
        Assert.Equal([1, 4, 9], test.Pool.Map((Work.Square), data));
        Assert.Equal([1, 4, 9], test.Pool.Map(new Func<int, int>(Work.Square), data));
        Assert.Equal([1, 4, 9], test.Pool.Map(items: data, task: Work.Square));
        Assert.Equal(3L, test.Pool.Apply(arg2: 2L, task: Work.Add, arg1: 1));
        int[] pids = test.Pool.Map(items: Enumerable.Range(0, 8), task: Work.PidOf, chunkSize: 1);
        Assert.All(pids, pid => Assert.Contains(pid, test.Pool.WorkerPids));
    });

    [Fact]
    public Task A_derived_argument_reaches_a_task_that_takes_its_base_type() => Deadline.Run(() =>
    {
        using TestPool test = new();
        string named = test.Pool.Apply(TypeWork.NameOf, new Dog { Name = "rex" });
        Assert.StartsWith("rex@", named);
        Assert.NotEqual($"rex@{Environment.ProcessId}", named);
        Assert.Equal(["a", "b"], test.Pool.Map(TypeWork.NameOf, new List<Dog> { new() { Name = "a" }, new() { Name = "b" } }).Select(s => s[..1]));
    });

    [Fact]
    public Task BigInteger_arguments_and_results_arrive_intact() => Deadline.Run(() =>
    {
        // MemoryPack's own formatter turned every BigInteger into 0, as argument and as result.
        using TestPool test = new();
        BigInteger big = BigInteger.Parse("-123456789012345678901234567890", CultureInfo.InvariantCulture);
        Assert.Equal(big * 3, test.Pool.Apply(TypeWork.Times, big, 3));
        Assert.Equal(BigInteger.Pow(2, 300) + 7, test.Pool.Apply(TypeWork.Sum, new List<BigInteger> { BigInteger.Pow(2, 300), 7 }));
    });

    [Fact]
    public Task Types_MemoryPack_serializes_cross_to_workers_and_back() => Deadline.Run(() =>
    {
        using TestPool test = new();
        int[,] grid = { { 1, 2, 3 }, { 4, 5, 6 } };
        int[,] transposed = test.Pool.Apply(TypeWork.Transpose, grid);
        Assert.Equal(3, transposed.GetLength(0));
        Assert.Equal(6, transposed[2, 1]);

        Assert.Equal(10, test.Pool.Apply(TypeWork.SumMemory, new ReadOnlyMemory<int>([1, 2, 3, 4])));

        Inventory inventory = new()
        {
            Counts = [1, 2, 3],
            Stock = new ConcurrentDictionary<string, int>([new("apples", 3), new("pears", 5)]),
            Tags = new[] { "fresh", "local" }.ToFrozenSet(),
            Prices = new SortedList<string, BigInteger> { ["gold"] = BigInteger.Pow(10, 30) },
            Grid = grid,
        };
        Assert.Equal($"6|apples=3,pears=5|fresh,local|gold={BigInteger.Pow(10, 30)}|6", test.Pool.Apply(TypeWork.Describe, inventory));

        Assert.Equal("first", test.Pool.Apply(TypeWork.First, new PriorityQueue<string, int>([("second", 2), ("first", 1)])));
    });
}
