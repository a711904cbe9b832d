namespace ParallelGen;

/// <summary>What a process is to ParallelGen (see <see cref="CurrentProcess.Role"/>).</summary>
public enum ProcessRole
{
    /// <summary>A process ParallelGen did not start: the application itself (Python's <c>MainProcess</c>).</summary>
    Main = 0,

    /// <summary>A process started by <c>WorkerProcess.Start</c> (Python's <c>Process</c>).</summary>
    WorkerProcess = 1,

    /// <summary>A worker of a <see cref="ProcessPool"/> (Python's <c>PoolWorker</c>).</summary>
    PoolWorker = 2,
}
