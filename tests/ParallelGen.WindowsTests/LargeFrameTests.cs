namespace ParallelGen.WindowsTests;

/// <summary>Arguments and results of many megabytes each way, intact.</summary>
public sealed class LargeFrameTests
{
    [Fact]
    public Task Megabyte_arguments_and_results_cross_intact_both_ways() => Deadline.Run(() =>
    {
        using TestPool test = new();
        byte[] data = new byte[8 * 1024 * 1024];
        new Random(17).NextBytes(data);
        byte[] back = test.Pool.Apply(Work.Increment, data);
        Assert.Equal(data.Length, back.Length);
        for (int i = 0; i < data.Length; i++)
        {
            if (back[i] != (byte)(data[i] + 1))
            {
                Assert.Fail($"byte {i} is {back[i]}, not {(byte)(data[i] + 1)}");
            }
        }

        byte[][] many = [.. Enumerable.Range(0, 12).Select(i => Enumerable.Repeat((byte)i, 1024 * 1024 + i).ToArray())];
        long[] sums = test.Pool.Map(Work.Sum, many, chunkSize: 1);
        Assert.Equal(many.Select(a => a.Sum(b => (long)b)), sums);
    });
}
