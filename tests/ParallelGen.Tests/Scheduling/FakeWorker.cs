using System.Buffers.Binary;
using ParallelGen.Backends;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Transport;
using ParallelGen.Worker;

namespace ParallelGen.Tests.Scheduling;

/// <summary>
/// One worker of a <see cref="FakeBackend"/>. It records what the pool sends it, and runs a call only when the test says
/// so (<see cref="RunNext"/>): in this process, through the same dispatch code a real worker uses, so its answers are
/// real <c>Done</c> frames. Events are raised on the calling thread; a kill takes effect once the current event returns.
/// </summary>
internal sealed class FakeWorker(int id, IWorkerEvents owner) : IWorkerChannel
{
    private IWorkerEvents _events = owner;
    private bool _rebound;
    private readonly object _sync = new();
    private readonly List<byte[]> _queued = [];
    private readonly Queue<byte[]> _received = new();
    private readonly List<long> _cancelled = [];
    private readonly List<long> _withdrawRequests = [];
    private readonly Queue<byte[]> _runningFrames = new();
    private long _lastStarted;
    private long _lastBegun;
    private int _depth;
    private bool _exitPending;
    private int? _pendingExitCode;

    public int Id { get; } = id;

    public bool Started { get; private set; }

    public bool SentReady { get; private set; }

    public bool ShutdownRequested { get; private set; }

    public bool HasExited { get; private set; }

    public string? KillReason { get; private set; }

    public bool Killed { get; private set; }

    /// <summary>Gets or sets whether the next <see cref="TrySend"/> finds the worker gone (a race with its death).</summary>
    public bool SendFindsItGone { get; set; }

    /// <summary>Gets the runs written to the worker and not yet run, oldest first.</summary>
    public int Pending
    {
        get
        {
            lock (_sync)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>Gets the ids of the runs the pool asked to give back and that the worker has not answered yet.</summary>
    public IReadOnlyList<long> WithdrawRequests
    {
        get
        {
            lock (_sync)
            {
                return [.. _withdrawRequests];
            }
        }
    }

    /// <summary>Gets whether a run is in progress (taken up by <see cref="RunPartly"/> and not yet finished).</summary>
    public bool IsRunning
    {
        get
        {
            lock (_sync)
            {
                return _runningFrames.Count > 0;
            }
        }
    }

    /// <summary>Gets the ids of the runs the pool asked to cancel.</summary>
    public IReadOnlyList<long> Cancelled
    {
        get
        {
            lock (_sync)
            {
                return [.. _cancelled];
            }
        }
    }

    /// <summary>Gets the bodies of the <c>Run</c> frames written and not yet run, oldest first.</summary>
    public IReadOnlyList<byte[]> PendingFrames
    {
        get
        {
            lock (_sync)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Gets the run ids of the runs written and not yet run, oldest first.</summary>
    public IReadOnlyList<long> PendingRunIds
    {
        get
        {
            lock (_sync)
            {
                return [.. _received.Select(frame => RunFrame.Parse(frame).RunId)];
            }
        }
    }

    public void Start()
    {
        Started = true;
        if (_rebound)
        {
            // A reused worker: if up already, it tells its new owner so at once; if not, when it is.
            _rebound = false;
            if (SentReady)
            {
                Raise(() => _events.OnReady(this));
            }
        }
    }

    public bool TryRebind(IWorkerEvents newOwner)
    {
        if (HasExited || Pending > 0 || IsRunning)
        {
            return false;
        }

        _events = newOwner;
        _rebound = true;
        return true;
    }

    public bool TrySend(IRunRequest request)
    {
        lock (_sync)
        {
            if (HasExited || SendFindsItGone)
            {
                return false;
            }

            FrameBuffer buffer = new();
            int start = RunFrame.Begin(buffer, request.RunId, request.Task.Id.Value, request.Flags, request.TraceContext);
            request.WriteArguments(buffer);
            RunFrame.End(buffer, start, int.MaxValue, request.Task.Name);
            _queued.Add(buffer.WrittenSpan[FrameBuffer.HeaderSize..].ToArray());
            buffer.Dispose();
            return true;
        }
    }

    public void Flush()
    {
        lock (_sync)
        {
            foreach (byte[] frame in _queued)
            {
                _received.Enqueue(frame);
            }

            _queued.Clear();
        }
    }

    public void Cancel(long runId)
    {
        lock (_sync)
        {
            _cancelled.Add(runId);
        }
    }

    public void Withdraw(long runId)
    {
        lock (_sync)
        {
            _withdrawRequests.Add(runId);
        }
    }

    /// <summary>
    /// Answers the pool's withdrawals as the control thread of a real worker would: each run not taken up yet is given
    /// back (and will never run here); the others are ignored.
    /// </summary>
    /// <returns>The ids given back.</returns>
    public IReadOnlyList<long> AnswerWithdrawals()
    {
        List<long> given = [];
        Raise(() =>
        {
            long[] requests;
            lock (_sync)
            {
                requests = [.. _withdrawRequests];
                _withdrawRequests.Clear();
            }

            foreach (long runId in requests)
            {
                bool pending;
                lock (_sync)
                {
                    byte[][] frames = [.. _received];
                    pending = runId > _lastStarted && frames.Any(f => RunFrame.Parse(f).RunId == runId);
                    if (pending)
                    {
                        _received.Clear();
                        foreach (byte[] frame in frames.Where(f => RunFrame.Parse(f).RunId != runId))
                        {
                            _received.Enqueue(frame);
                        }
                    }
                }

                if (pending)
                {
                    given.Add(runId);
                    _events.OnWithdrawn(this, runId);
                }
            }
        });
        return given;
    }

    public void Shutdown() => ShutdownRequested = true;

    public void Kill(string? reason = null)
    {
        Killed = true;
        KillReason ??= reason;
        Exit(-9);
    }

    /// <summary>Says the worker is up.</summary>
    public void Ready()
    {
        SentReady = true;
        Raise(() => _events.OnReady(this));
    }

    /// <summary>
    /// Runs the oldest call written to the worker, in this process, and answers it; <paramref name="took"/> is the time
    /// the answer says it took (the pool sizes its window by it). A call cancelled before it ran is answered as skipped.
    /// A call that <see cref="RunPartly"/> began is finished instead: its remaining answers are delivered.
    /// As on a real worker's channel, a kill while the call runs takes effect after its answer has been delivered.
    /// </summary>
    /// <returns>The run's id.</returns>
    public long RunNext(TimeSpan? took = null)
    {
        long runId = 0;
        Raise(() =>
        {
            if (!IsRunning)
            {
                runId = TakeUp(streamEachItem: false);
            }

            runId = DeliverRunning(int.MaxValue, took);
            _events.OnIdle(this);
        });
        return runId;
    }

    /// <summary>
    /// Takes up the oldest call written to the worker and answers its first <paramref name="items"/> items, one partial
    /// answer each, as a real worker does when items are slow; the call stays running (<see cref="RunNext"/> finishes it,
    /// <see cref="Exit"/> kills it).
    /// </summary>
    /// <returns>The run's id.</returns>
    public long RunPartly(int items)
    {
        long runId = 0;
        Raise(() =>
        {
            if (!IsRunning)
            {
                TakeUp(streamEachItem: true);
            }

            runId = DeliverRunning(items, took: null);
        });
        return runId;
    }

    /// <summary>Takes up the oldest call written to the worker without answering anything yet: it is running when the worker dies.</summary>
    public long StartNext() => RunPartly(0);

    /// <summary>
    /// Takes up the oldest call written to the worker but does not begin its task, as a worker still reading the
    /// arguments: <see cref="Exit"/> then reports it started and not begun. Nothing else may be done with the worker.
    /// </summary>
    /// <returns>The run's id.</returns>
    public long TakeUpWithoutBeginning()
    {
        lock (_sync)
        {
            _lastStarted = RunFrame.Parse(_received.Dequeue()).RunId;
            return _lastStarted;
        }
    }

    /// <summary>Runs the next call in this process and keeps its answers (partial ones first) to deliver them.</summary>
    private long TakeUp(bool streamEachItem)
    {
        byte[] frame;
        lock (_sync)
        {
            frame = _received.Dequeue();
        }

        RunFrame run = RunFrame.Parse(frame);
        _lastStarted = run.RunId;
        _lastBegun = run.RunId;
        using FrameBuffer output = new();
        using SharedFrameSender sender = new();
        using SharedFrameReceiver receiver = new(int.MaxValue);
        object outputLock = new();
        WorkerCall call = new(int.MaxValue, sender, receiver, outputLock, static () => { }, streamEachItem: streamEachItem);
        bool cancelled;
        lock (_sync)
        {
            cancelled = _cancelled.Contains(run.RunId);
        }

        if (cancelled)
        {
            call.WriteSkipped(run.RunId, output);
        }
        else
        {
            call.Begin(run, CancellationToken.None, output);
            ProcessTask task = TaskRegistry.Find(new TaskId(run.TaskId)) ?? throw new InvalidOperationException($"No task {run.TaskId}.");
            task.Execute(call);
        }

        ReadOnlySpan<byte> written = output.WrittenSpan;
        lock (_sync)
        {
            while (!written.IsEmpty)
            {
                int length = BinaryPrimitives.ReadInt32LittleEndian(written);
                _runningFrames.Enqueue(written.Slice(FrameBuffer.HeaderSize, length - 1).ToArray());
                written = written[(4 + length)..];
            }
        }

        return run.RunId;
    }

    /// <summary>Delivers up to <paramref name="partials"/> partial answers of the running call, and its final answer if no more are held back.</summary>
    private long DeliverRunning(int partials, TimeSpan? took)
    {
        long runId = 0;
        while (true)
        {
            byte[] done;
            lock (_sync)
            {
                if (!_runningFrames.TryPeek(out done!))
                {
                    return runId;
                }

                bool last = _runningFrames.Count == 1;
                if (partials != int.MaxValue)
                {
                    if (last || partials == 0)
                    {
                        return runId;
                    }

                    partials--;
                }

                _runningFrames.Dequeue();
                if (last && took is { } elapsed)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(done.AsSpan(8), (long)(elapsed.TotalSeconds * System.Diagnostics.Stopwatch.Frequency));
                }
            }

            DoneFrame parsed = DoneFrame.Parse(done, Id);
            runId = parsed.RunId;
            _events.OnDone(this, parsed);
        }
    }

    /// <summary>Runs every call written to the worker, in order.</summary>
    public void RunAll(TimeSpan? took = null)
    {
        while (Pending > 0)
        {
            RunNext(took);
        }
    }

    /// <summary>Says the worker gave up on <paramref name="runId"/> because of the task timeout; it exits next.</summary>
    public void ReportTimedOut(long runId) => Raise(() => _events.OnTimedOut(this, runId));

    /// <summary>Ends the worker with <paramref name="exitCode"/> (negative for a signal), as a crash or an exit would.</summary>
    public void Exit(int? exitCode, string? detail = null)
    {
        if (HasExited)
        {
            return;
        }

        if (_depth > 0)
        {
            _exitPending = true;
            _pendingExitCode = exitCode;
            return;
        }

        HasExited = true;
        string? why = detail ?? KillReason;
        lock (_sync)
        {
            _runningFrames.Clear(); // the answers of a call it was running die with it
        }

        Raise(() => _events.OnExited(this, new WorkerExit(exitCode, why, KilledFromOutside: why is null && exitCode is -9 or -15, LastStartedRunId: _lastStarted, LastBegunRunId: _lastBegun)));
    }

    private void Raise(Action raise)
    {
        _depth++;
        try
        {
            raise();
        }
        finally
        {
            _depth--;
        }

        if (_depth == 0 && _exitPending)
        {
            _exitPending = false;
            Exit(_pendingExitCode);
        }
    }
}
