using ParallelGen.Protocol;

namespace ParallelGen.Backends;

/// <summary>What a worker's channel reports to its owner, on the channel's own thread, one event at a time.</summary>
internal interface IWorkerEvents
{
    /// <summary>The worker is up and can take runs.</summary>
    void OnReady(IWorkerChannel worker);

    /// <summary>The worker answered its oldest run, or some of its items (<see cref="DoneFrame.IsPartial"/>). Must not block.</summary>
    /// <exception cref="InvalidDataException">The answer makes no sense (a run it was not given): the channel treats it as a protocol error and kills the worker.</exception>
    void OnDone(IWorkerChannel worker, in DoneFrame done);

    /// <summary>The worker gives back run <paramref name="runId"/>, which it had not started, after <see cref="IWorkerChannel.Withdraw"/>.</summary>
    /// <remarks>Only channels that implement <see cref="IWorkerChannel.Withdraw"/> raise it; the default does nothing.</remarks>
    void OnWithdrawn(IWorkerChannel worker, long runId)
    {
    }

    /// <summary>The worker gave up on run <paramref name="runId"/>, which ran past its time limit; it exits next.</summary>
    void OnTimedOut(IWorkerChannel worker, long runId);

    /// <summary>The channel has handled everything the worker sent so far: a good moment to send it more.</summary>
    void OnIdle(IWorkerChannel worker);

    /// <summary>The worker is gone. The last event, raised exactly once.</summary>
    void OnExited(IWorkerChannel worker, WorkerExit exit);
}
