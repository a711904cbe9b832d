using ParallelGen.Worker;

namespace ParallelGen;

public sealed partial class ProcessPool
{
    /// <summary>Writes raw bytes to the data pipe of the worker in <paramref name="slot"/>: corrupt frames, for fault-injection tests.</summary>
    internal void WriteRawForTesting(int slot, byte[] bytes)
    {
        PoolWorker? worker;
        lock (_lock)
        {
            worker = _slots[slot];
        }

        worker?.WriteRawForTesting(bytes);
    }
}
