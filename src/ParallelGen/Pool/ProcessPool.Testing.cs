using ParallelGen.Worker;

namespace ParallelGen;

public sealed partial class ProcessPool
{
    /// <summary>Raised with the pid of every worker process the pool starts, replacements included: tests check that none outlives them.</summary>
    internal event Action<int>? WorkerStartedForTesting;

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

    private void OnWorkerStartedForTesting(int pid) => WorkerStartedForTesting?.Invoke(pid);
}
