using ParallelGen.Platform;

namespace ParallelGen.Transport;

/// <summary>
/// A few bytes of shared memory between the parent and one worker: <c>[long startedRunId, long begunRunId]</c>, the run
/// the worker took up last (to run it, or to skip it) and the last run whose task code began (its arguments read). The
/// worker stores them with no system call; the parent reads them once the worker has exited, to know which of the runs it
/// had sent did nothing: those sent after the started one, and a started one whose task had not begun. They go to another
/// worker as they are, whatever their task's retries.
/// </summary>
/// <remarks>
/// The parent creates the segment and names it in <c>WorkerStartInfo</c>; the worker maps it and removes its
/// name at once, so nothing is left behind however either side ends. Runs reach a worker in increasing id order.
/// </remarks>
internal sealed unsafe class RunCell : IDisposable
{
    private const int Size = 64;

    private readonly SharedSegment _memory;

    private RunCell(SharedSegment memory)
    {
        _memory = memory;
    }

    /// <summary>Gets the name the worker opens the cell by.</summary>
    public string Name => _memory.Name;

    /// <summary>Gets the run the worker took up last, or 0 if none (or the cell is gone).</summary>
    public long StartedRunId => _memory.Pointer is null ? 0 : Volatile.Read(ref *(long*)_memory.Pointer);

    /// <summary>Gets the last run whose task code began, or 0 if none (or the cell is gone).</summary>
    public long BegunRunId => _memory.Pointer is null ? 0 : Volatile.Read(ref *((long*)_memory.Pointer + 1));

    /// <summary>Creates a cell for a worker about to start.</summary>
    public static RunCell Create() => new(SharedSegment.Create(Size));

    /// <summary>Maps the cell the parent created, in the worker, and removes its name.</summary>
    public static RunCell Open(string name)
    {
        SharedSegment memory = SharedSegment.Open(name, Size);
        RunCell cell = new(memory);
        memory.RemoveName();
        return cell;
    }

    /// <summary>Removes the cell's name in the parent once the worker has mapped it (the worker removes it too; either is enough).</summary>
    public void RemoveName() => _memory.RemoveName();

    /// <summary>Records, in the worker, that it takes up <paramref name="runId"/>.</summary>
    public void Started(long runId) => Volatile.Write(ref *(long*)_memory.Pointer, runId);

    /// <summary>Records, in the worker, that the task code of <paramref name="runId"/> begins: its arguments have been read.</summary>
    public void Began(long runId) => Volatile.Write(ref *((long*)_memory.Pointer + 1), runId);

    public void Dispose() => _memory.Dispose();
}
