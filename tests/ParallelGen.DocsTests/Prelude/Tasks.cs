// The tasks every C# block in README.md and docs/*.md may call without declaring them, as Square or Work.Square.
// Not compiled as it is: each member joins the block's own class Work (tests/ParallelGen.DocsTests/README.md), unless
// the block declares a member of the same name, so a block may write its own Square (or a Square that is not a task).
// Keep this short: a task belongs here only if blocks use it undeclared.
public static partial class Work
{
    [ProcessTask] public static int Square(int x) => x * x;

    [ProcessTask] public static int Cube(int x) => x * x * x;

    [ProcessTask] public static long Add(int a, long b) => a + b;

    [ProcessTask] public static int Twice(int x) => 2 * x;

    [ProcessTask] public static int CountWords(List<string> words) => words.Count;
}
