using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Numerics;
using MemoryPack;

namespace ParallelGen.IntegrationTests;

/// <summary>A [MemoryPackable] base type; <see cref="Dog"/> is passed where it is expected.</summary>
[MemoryPackable]
public partial class Animal
{
    public string Name { get; set; } = "";
}

/// <summary>A derived type, passed for an <see cref="Animal"/> parameter as a direct call would.</summary>
public sealed class Dog : Animal
{
}

/// <summary>Members of the types the generator used to reject although MemoryPack serializes them.</summary>
[MemoryPackable]
public partial class Inventory
{
    public ImmutableArray<int> Counts { get; set; } = [];

    public ConcurrentDictionary<string, int> Stock { get; set; } = new();

    public FrozenSet<string> Tags { get; set; } = FrozenSet<string>.Empty;

    public SortedList<string, BigInteger> Prices { get; set; } = [];

    public int[,] Grid { get; set; } = new int[0, 0];
}

/// <summary>Tasks over the types and call spellings the generator routes since the call-shape table.</summary>
public static class TypeWork
{
    [ProcessTask]
    public static BigInteger Times(BigInteger value, int factor) => value * factor;

    [ProcessTask]
    public static BigInteger Sum(List<BigInteger> values) => values.Aggregate(BigInteger.Zero, (a, b) => a + b);

    [ProcessTask]
    public static string NameOf(Animal animal) => $"{animal.Name}@{Environment.ProcessId}";

    [ProcessTask]
    public static int[,] Transpose(int[,] grid)
    {
        int[,] result = new int[grid.GetLength(1), grid.GetLength(0)];
        for (int i = 0; i < grid.GetLength(0); i++)
        {
            for (int j = 0; j < grid.GetLength(1); j++)
            {
                result[j, i] = grid[i, j];
            }
        }

        return result;
    }

    [ProcessTask]
    public static int SumMemory(ReadOnlyMemory<int> values)
    {
        int sum = 0;
        foreach (int value in values.Span)
        {
            sum += value;
        }

        return sum;
    }

    [ProcessTask]
    public static string Describe(Inventory inventory) =>
        $"{inventory.Counts.Sum()}|{string.Join(",", inventory.Stock.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}|" +
        $"{string.Join(",", inventory.Tags.Order())}|{string.Join(",", inventory.Prices.Select(p => $"{p.Key}={p.Value}"))}|{inventory.Grid[1, 2]}";

    [ProcessTask]
    public static string First(PriorityQueue<string, int> queue) => queue.Peek();
}
