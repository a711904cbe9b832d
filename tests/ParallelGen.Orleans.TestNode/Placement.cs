using MemoryPack;

namespace ParallelGen.Orleans.TestNode;

/// <summary>A result, and where it was computed.</summary>
[MemoryPackable]
public readonly partial record struct Placement(int Value, string Node, int WorkerPid);
