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
internal sealed class FakeWorker(int id, IWorkerEvents events) : IWorkerChannel
{
    private readonly object _sync = new();
    private readonly List<byte[]> _queued = [];
    private readonly Queue<byte[]> _received = new();
    private readonly List<long> _cancelled = [];
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

    public void Start() => Started = true;

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
        Raise(() => events.OnReady(this));
    }

    /// <summary>
    /// Runs the oldest call written to the worker, in this process, and answers it; <paramref name="took"/> is the time
    /// the answer says it took (the pool sizes its window by it). A call cancelled before it ran is answered as skipped.
    /// As on a real worker's channel, a kill while the call runs takes effect after its answer has been delivered.
    /// </summary>
    /// <returns>The run's id.</returns>
    public long RunNext(TimeSpan? took = null)
    {
        long runId = 0;
        Raise(() => runId = RunAndAnswer(took));
        return runId;
    }

    private long RunAndAnswer(TimeSpan? took)
    {
        byte[] frame;
        lock (_sync)
        {
            frame = _received.Dequeue();
        }

        RunFrame run = RunFrame.Parse(frame);
        using FrameBuffer output = new();
        using SharedFrameSender sender = new();
        using SharedFrameReceiver receiver = new(int.MaxValue);
        WorkerCall call = new(int.MaxValue, sender, receiver);
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

        byte[] done = output.WrittenSpan[FrameBuffer.HeaderSize..].ToArray();
        if (took is { } elapsed)
        {
            BinaryPrimitives.WriteInt64LittleEndian(done.AsSpan(8), (long)(elapsed.TotalSeconds * System.Diagnostics.Stopwatch.Frequency));
        }

        events.OnDone(this, DoneFrame.Parse(done, Id));
        events.OnIdle(this);
        return run.RunId;
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
    public void ReportTimedOut(long runId) => Raise(() => events.OnTimedOut(this, runId));

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
        Raise(() => events.OnExited(this, new WorkerExit(exitCode, why, KilledFromOutside: why is null && exitCode is -9 or -15)));
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
