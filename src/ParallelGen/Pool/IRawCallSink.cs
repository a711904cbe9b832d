using ParallelGen.Protocol;

namespace ParallelGen.Pool;

/// <summary>Where a <see cref="RawCall"/> hands its outcome: the owner that received the run already serialized.</summary>
internal interface IRawCallSink
{
    /// <summary>The worker answered the run. Runs on the worker's channel thread; must not block, and must copy what it keeps of <paramref name="done"/>.</summary>
    void OnDone(RawCall call, in DoneFrame done);

    /// <summary>
    /// The worker answered some items of the run while the rest still run (<see cref="DoneFrame.IsPartial"/>); the
    /// final answer follows with the items after them. As <see cref="OnDone"/>, on the channel thread.
    /// </summary>
    void OnPartial(RawCall call, in DoneFrame done);

    /// <summary>
    /// The run did not complete: its worker crashed (<see cref="WorkerCrashedException"/>) or ran past the task timeout
    /// (<see cref="TimeoutException"/>), the pool was terminated, or it was cancelled before it was sent
    /// (<see cref="OperationCanceledException"/>).
    /// </summary>
    void OnFailed(RawCall call, Exception exception);
}
