using ParallelGen;

namespace ParallelGen.Benchmarks;

/// <summary>The tasks the benchmarks and the comparison run: trivial ones that measure the pool itself.</summary>
public static class BenchTasks
{
    [ProcessTask]
    public static int Identity(int x) => x;

    [ProcessTask]
    public static byte[] Echo(byte[] data) => data;

    [ProcessTask]
    public static long Sum(int count) => (long)count * (count - 1) / 2;

    /// <summary>Sleeps <paramref name="tenths"/> tenths of a second and returns its square: uneven work, as Python's side sleeps.</summary>
    [ProcessTask]
    public static int SleepSquare(int tenths)
    {
        Thread.Sleep(tenths * 100);
        return tenths * tenths;
    }

    /// <summary>Reads one element of a shared array: what a hand-off without copying costs.</summary>
    [ProcessTask]
    public static int SharedLength(SharedArray<byte> data) => data.Length + data[data.Length - 1];
}
