using ParallelGen.Backends;
using ParallelGen.Diagnostics;

namespace ParallelGen.Pool;

/// <summary>What the scheduler reports to <see cref="PoolTelemetry"/>: the probes of the observable instruments, and the facts of a worker's exit.</summary>
/// <remarks>The hooks in the other parts are one line each; what they need computed is here.</remarks>
internal sealed partial class PoolScheduler
{
    private readonly PoolTelemetry _telemetry;

    /// <summary>Gets the pool's telemetry.</summary>
    public PoolTelemetry Telemetry => _telemetry;

    /// <summary>Counts the items waiting for a worker: retries, and what the sources have not handed out yet.</summary>
    private long QueuedItems()
    {
        lock (_lock)
        {
            long items = 0;
            foreach (WorkUnit unit in _retries)
            {
                items += unit.IsAbandoned ? 0 : unit.Count;
            }

            foreach (IWorkSource source in _sources)
            {
                items += source.QueuedItems;
            }

            return items;
        }
    }

    /// <summary>
    /// Reports a worker's exit (outside the lock): ends the spans of the runs it held and raises the exit event.
    /// </summary>
    /// <param name="slot">The worker's slot.</param>
    /// <param name="previous">Its state before it exited.</param>
    /// <param name="exit">How it ended.</param>
    /// <param name="held">The runs it held, whatever became of them.</param>
    /// <param name="timedOut">The run it was stopped for because of the task timeout, if any.</param>
    /// <param name="failed">How many runs failed because of the exit.</param>
    /// <param name="retried">How many runs were queued again for other workers.</param>
    /// <param name="replaced">Whether a worker is started in its place.</param>
    /// <returns>Why the worker exited.</returns>
    private WorkerExitReason ReportExit(WorkerSlot slot, WorkerState previous, WorkerExit exit, WorkUnit[] held, WorkUnit? timedOut, int failed, int retried, bool replaced)
    {
        WorkerExitReason reason = _state == PoolState.Terminated ? WorkerExitReason.Terminated
            : previous is WorkerState.Starting or WorkerState.Initializing ? WorkerExitReason.StartFailed
            : slot.TimedOutRunId != 0 ? WorkerExitReason.TimedOut
            : previous == WorkerState.ShuttingDown && exit.ExitCode == 0
                ? (slot.ItemsAssigned >= _maxTasksPerWorker ? WorkerExitReason.Recycled : WorkerExitReason.Shutdown)
            : WorkerExitReason.Crashed;
        foreach (WorkUnit unit in held)
        {
            PoolTelemetry.RunLost(unit.TakeAttempt(), ReferenceEquals(unit, timedOut) ? "timeout" : "worker_crashed");
        }

        _telemetry.WorkerExited(new WorkerExitedEventArgs(
            slot.Channel.Id,
            reason,
            exit.ExitCode,
            exit.Detail,
            reason == WorkerExitReason.TimedOut ? timedOut?.Task.Name : null,
            failed,
            retried,
            replaced));
        return reason;
    }
}
