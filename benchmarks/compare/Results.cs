namespace ParallelGen.Compare;

/// <summary>What the ParallelGen side measured.</summary>
internal sealed class Results
{
    public double StartMs { get; set; }
    public double AotStartMs { get; set; }
    public double ApplyUs { get; set; }
    public double ApplyAsyncPerS { get; set; }
    public double MapPerS { get; set; }
    public double Map64PerS { get; set; }
    public double Payload1MiBMBs { get; set; }
    public double Payload64MiBMBs { get; set; }
    public double Payload64MiBCollectedMBs { get; set; }
    public double SerialMs { get; set; }
    public double PoolMs { get; set; }
    public double ParallelForMs { get; set; }
    public double SharedHandOffUs { get; set; }
    public int SharedWireBytes { get; set; }
    public double ImapPerS { get; set; }
    public double ImapPeakMb { get; set; }
    public double SkewedMs { get; set; }
    public int[] SkewedUnordered { get; set; } = [];
    public double PoolPerBatchMs { get; set; }
    public double AotPoolPerBatchMs { get; set; }
}
