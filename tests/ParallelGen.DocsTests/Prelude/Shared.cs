// A referenced assembly named Shared, compiled WITHOUT the ParallelGen generator: what docs/diagnostics.md's PG0107
// example calls. Every block's compilation references it.
namespace Shared;

public static class Work
{
    [ParallelGen.ProcessTask] public static int Square(int x) => x * x;
}
