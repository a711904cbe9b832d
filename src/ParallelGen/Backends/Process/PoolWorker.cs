using System.Buffers.Binary;
using System.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Platform.Linux;
using ParallelGen.Pool;
using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Backends.Process;

/// <summary>The parent's side of one worker process: its pipes, the calls it holds, its reader thread.</summary>
/// <remarks>
/// <para><b>Writes never block a reader.</b> Frames are appended to <c>_pending</c> and written by whichever thread
/// holds the writer role, with non-blocking <c>write</c> calls. If the pipe is full the rest is handed to a writer
/// thread that may block. So the reader thread, which also dispatches new work, always goes back to draining the
/// worker's output, and parent and worker can never wait on each other's full pipes.</para>
/// <para><b>Answers come in order.</b> A worker runs its calls one at a time in arrival order, so each <c>Done</c>
/// frame answers the oldest call in <c>_inFlight</c>; the call id is checked to catch a confused stream.</para>
/// </remarks>
internal sealed class PoolWorker
{
    private readonly IWorkerOwner _owner;
    private readonly WorkerPipes _pipes;
    private readonly int _maxFrameLength;
    private readonly object _sync = new();
    private readonly object _reapLock = new();
    private readonly Queue<WorkUnit> _inFlight = new();
    private readonly SharedFrameSender _largeFramesOut = new();
    private readonly SharedFrameReceiver _largeFramesIn;
    private FrameBuffer _pending = new();
    private FrameBuffer _writing = new();
    private int _writeOffset;
    private bool _writerActive;
    private int _tablesSent;
    private bool _exited;
    private bool _shutdownSent;
    private SemaphoreSlim? _writerSignal;
    private string? _fatalMessage;
    private Timer? _startTimer;
    private volatile bool _readyReceived;
    private volatile bool _started;
    private bool _reaped;
    private long _lastAnswerAt;

    public PoolWorker(IWorkerOwner owner, int slot, WorkerPipes pipes, int maxFrameLength)
    {
        _owner = owner;
        _pipes = pipes;
        _maxFrameLength = maxFrameLength;
        _largeFramesIn = new SharedFrameReceiver(maxFrameLength);
        Slot = slot;
    }

    /// <summary>Gets the worker's process id.</summary>
    public int Pid => _pipes.Pid;

    /// <summary>Gets the pool slot the worker fills.</summary>
    public int Slot { get; }

    /// <summary>Starts reading the worker's output; a worker not ready within <paramref name="startTimeout"/> is killed.</summary>
    public void Start(TimeSpan startTimeout)
    {
        _startTimer = new Timer(static state => ((PoolWorker)state!).OnStartTimeout(), this, startTimeout, Timeout.InfiniteTimeSpan);
        Thread reader = new(ReadLoop) { IsBackground = true, Name = $"ParallelGen reader {Pid}" };
        reader.Start();
    }

    // Scheduling state, guarded by the pool lock.

    /// <summary>Gets the call the worker gave up on because it exceeded the task timeout (then it exits), or 0.</summary>
    public long TimedOutCallId { get; private set; }

    /// <summary>Gets or sets whether the worker has said it is ready.</summary>
    public bool IsReady { get; set; }

    /// <summary>Gets or sets whether the worker takes no more work (retiring, shutting down, or gone).</summary>
    public bool IsClosed { get; set; }

    /// <summary>Gets or sets the number of units assigned and not yet answered.</summary>
    public int Assigned { get; set; }

    /// <summary>Gets or sets how many units may be in flight at once; grows while tasks are short.</summary>
    public int Window { get; set; } = 1;

    /// <summary>Gets or sets the number of items (task invocations) ever assigned, for <c>MaxTasksPerWorker</c>.</summary>
    public long ItemsAssigned { get; set; }

    /// <summary>Gets or sets whether the pool has asked this worker to shut down.</summary>
    public bool ShutdownRequested { get; set; }

    /// <summary>Queues a unit for the worker and records it as in flight.</summary>
    /// <param name="unit">The unit, with its call id set.</param>
    /// <param name="flush">Whether to start writing now; pass <see langword="false"/> to batch several units, then call <see cref="Flush"/>.</param>
    /// <returns><see langword="false"/> if the worker is already gone; the unit was not sent.</returns>
    /// <exception cref="Exception">The arguments could not be serialized; nothing was sent.</exception>
    public bool Send(WorkUnit unit, bool flush = true)
    {
        lock (_sync)
        {
            if (_exited)
            {
                return false;
            }

            SendNewTables();
            int start = _pending.BeginFrame((byte)FrameKind.Run);
            try
            {
                _pending.WriteInt64(unit.CallId);
                _pending.WriteUInt64(unit.Task.Id.Value);
                _pending.WriteByte((byte)((unit.StopOnError ? RunFlags.StopOnError : 0) | (unit.IsStartup ? RunFlags.Startup : 0)));
                unit.WriteArguments(_pending);
                if (_pending.Length - start > _maxFrameLength)
                {
                    throw new InvalidOperationException(
                        $"The arguments of {unit.Task.Name} serialize to {_pending.Length - start} bytes, more than ProcessPoolOptions.MaxMessageSize ({_maxFrameLength}).");
                }
            }
            catch
            {
                _pending.Truncate(start);
                throw;
            }

            _pending.EndFrame(start);
            _largeFramesOut.TryDivert(_pending, start);
            unit.SentAt = Stopwatch.GetTimestamp();
            _inFlight.Enqueue(unit);
        }

        if (flush)
        {
            Flush();
        }

        return true;
    }

    /// <summary>Gets how many frames went to the worker through shared memory, and how many large ones took the pipe. Tests only.</summary>
    internal (int Diverted, int Declined) LargeFramesSent
    {
        get
        {
            lock (_sync)
            {
                return (_largeFramesOut.Diverted, _largeFramesOut.Declined);
            }
        }
    }

    /// <summary>Appends raw bytes to the worker's data pipe, after everything queued. Fault-injection tests only.</summary>
    internal void WriteRawForTesting(ReadOnlySpan<byte> bytes)
    {
        lock (_sync)
        {
            _pending.Write(bytes);
        }

        Flush();
    }

    /// <summary>Asks the worker to stop or skip a call.</summary>
    public void Cancel(long callId)
    {
        Span<byte> frame = stackalloc byte[FrameBuffer.HeaderSize + 8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(frame, 9);
        frame[4] = (byte)FrameKind.Cancel;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(frame[5..], callId);
        lock (_pipes.ControlOut)
        {
            if (_pipes.ControlOut.IsClosed)
            {
                return; // The worker is gone: there is nothing left to stop.
            }

            try
            {
                _pipes.ControlOut.WriteAll(frame);
            }
            catch (IOException)
            {
                // The worker is gone; its reader thread reports that.
            }
        }
    }

    /// <summary>Asks the worker to finish its queue and exit.</summary>
    public void Shutdown()
    {
        lock (_sync)
        {
            if (_exited || _shutdownSent)
            {
                return;
            }

            _shutdownSent = true;
            int start = _pending.BeginFrame((byte)FrameKind.Shutdown);
            _pending.EndFrame(start);
        }

        Flush();
    }

    /// <summary>Kills the worker with SIGKILL. Its reader thread then sees the end of the pipe and cleans up.</summary>
    /// <remarks>Does nothing once the worker has been reaped: its pid may already belong to another process.</remarks>
    public void Kill()
    {
        lock (_reapLock)
        {
            if (!_reaped)
            {
                LibC.kill(Pid, LibC.SIGKILL);
            }
        }
    }

    /// <summary>
    /// Gets the oldest call the worker holds, which is the one it runs, and for how long it has run at most: since it
    /// was sent, or since the call before it was answered, whichever is later.
    /// </summary>
    public bool TryGetOldestCall(out long callId, out int count, out long runningTicks)
    {
        lock (_sync)
        {
            if (_exited || !_inFlight.TryPeek(out WorkUnit? unit) || unit.IsStartup)
            {
                (callId, count, runningTicks) = (0, 0, 0);
                return false;
            }

            (callId, count) = (unit.CallId, unit.Count);
            runningTicks = Stopwatch.GetTimestamp() - Math.Max(unit.SentAt, _lastAnswerAt);
            return true;
        }
    }

    /// <summary>Kills a worker whose call ran past the task timeout without the worker stopping itself: the call fails with <see cref="TimeoutException"/>.</summary>
    public void KillTimedOut(long callId)
    {
        if (TimedOutCallId == 0)
        {
            TimedOutCallId = callId;
        }

        Kill($"call {callId} ran past ProcessPoolOptions.TaskTimeout and the worker did not stop itself");
    }

    /// <summary>Kills the worker with SIGKILL, recording why, for the exit report.</summary>
    public void Kill(string reason)
    {
        _fatalMessage ??= reason;
        Kill();
    }

    private void SendNewTables()
    {
        TaskRegistry.TaskTable[] tables = TaskRegistry.Tables;
        for (; _tablesSent < tables.Length; _tablesSent++)
        {
            int start = _pending.BeginFrame((byte)FrameKind.LoadAssembly);
            _pending.WriteString(tables[_tablesSent].AssemblyName);
            _pending.WriteString(tables[_tablesSent].AssemblyPath);
            _pending.EndFrame(start);
        }
    }

    /// <summary>Starts writing queued frames, without blocking: a full pipe is left to the writer thread.</summary>
    public void Flush()
    {
        lock (_sync)
        {
            if (_writerActive || _pending.Length == 0)
            {
                return;
            }

            _writerActive = true;
            (_pending, _writing) = (_writing, _pending);
            _writeOffset = 0;
        }

        WriteLoop(blocking: false);
    }

    /// <summary>Writes <c>_writing</c>, then whatever was appended meanwhile, until nothing is left.</summary>
    /// <param name="blocking">Whether this thread may wait for room in the pipe (only the writer thread may).</param>
    private void WriteLoop(bool blocking)
    {
        while (true)
        {
            try
            {
                ReadOnlySpan<byte> rest = _writing.WrittenSpan[_writeOffset..];
                if (blocking)
                {
                    _pipes.DataOut.WriteAll(rest);
                    _writeOffset += rest.Length;
                }
                else
                {
                    _writeOffset += _pipes.DataOut.TryWrite(rest);
                    if (_writeOffset < _writing.Length)
                    {
                        HandToWriterThread();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The worker closed its end, or its exit closed ours: it died. The reader thread fails its calls.
                lock (_sync)
                {
                    _writing.Clear();
                    _pending.Clear();
                    _writerActive = false;
                }

                return;
            }

            lock (_sync)
            {
                _writing.Clear();
                if (_pending.Length == 0)
                {
                    _writerActive = false;
                    return;
                }

                (_pending, _writing) = (_writing, _pending);
                _writeOffset = 0;
            }
        }
    }

    private void HandToWriterThread()
    {
        if (_writerSignal is null)
        {
            _writerSignal = new SemaphoreSlim(0);
            Thread writer = new(WriterThread) { IsBackground = true, Name = $"ParallelGen writer {Pid}" };
            writer.Start();
        }

        _writerSignal.Release();
    }

    private void WriterThread()
    {
        while (true)
        {
            _writerSignal!.Wait();
            if (Volatile.Read(ref _exited))
            {
                return;
            }

            WriteLoop(blocking: true);
        }
    }

    private void ReadLoop()
    {
        string? protocolError = null;
        using (FrameReader reader = new(_pipes.DataIn, _maxFrameLength, _largeFramesIn))
        {
            try
            {
                while (reader.TryReadFrame(out byte kind, out ReadOnlyMemory<byte> body))
                {
                    switch (kind)
                    {
                        case (byte)FrameKind.Done:
                            HandleDone(body.Span);
                            reader.ReleaseFrame();
                            break;
                        case (byte)FrameKind.Ready:
                            _readyReceived = true;
                            _owner.OnWorkerReady(this);
                            break;
                        case (byte)FrameKind.TimedOut:
                            TimedOutCallId = BinaryPrimitives.ReadInt64LittleEndian(body.Span);
                            break;
                        case (byte)FrameKind.Fatal:
                            ReadOnlySpan<byte> span = body.Span;
                            _fatalMessage = SpanReader.ReadString(ref span);
                            break;
                        default:
                            throw new InvalidDataException($"Unexpected frame kind 0x{(byte)kind:X2} from worker {Pid}.");
                    }

                    if (!reader.HasBufferedFrame)
                    {
                        _owner.OnWorkerProgress(this);
                    }
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentOutOfRangeException or IndexOutOfRangeException)
            {
                protocolError = $"protocol error: {e.Message}";
                Kill();
            }
        }

        OnExited(protocolError);
    }

    private void HandleDone(ReadOnlySpan<byte> body)
    {
        DoneFrame done = DoneFrame.Parse(body, Pid);
        WorkUnit unit;
        lock (_sync)
        {
            // Peek first: on a mismatch the unit stays in flight, so the worker's exit fails it instead of stranding it.
            if (!_inFlight.TryPeek(out unit!) || unit.CallId != done.CallId)
            {
                throw new InvalidDataException($"Worker {Pid} answered call {done.CallId}, which it was not running.");
            }

            _inFlight.Dequeue();
            _lastAnswerAt = Stopwatch.GetTimestamp();
        }

        _owner.OnUnitDone(this, unit, done.ElapsedTicks);
        try
        {
            unit.OnDone(done);
        }
        catch (Exception e)
        {
            // Results that do not deserialize (whatever the deserializer throws) fail their call, not the worker.
            // The unit has left the in-flight queue, so it must be completed here or it would wait forever.
            unit.OnFailed(e);
        }
    }

    /// <summary>Says the worker has started: it reported ready and ran the initializer, if any. Stops the start timer.</summary>
    public void CompleteStart()
    {
        _started = true;
        _startTimer?.Dispose();
    }

    private void OnStartTimeout()
    {
        if (!_started)
        {
            _fatalMessage = _readyReceived
                ? "its initializer did not finish within ProcessPoolOptions.WorkerStartTimeout"
                : "it did not report ready within ProcessPoolOptions.WorkerStartTimeout";
            Kill();
        }
    }

    private void OnExited(string? protocolError)
    {
        _startTimer?.Dispose();
        int? exitCode = Reap();
        WorkUnit[] lost;
        lock (_sync)
        {
            _exited = true;
            lost = [.. _inFlight];
            _inFlight.Clear();
            _pending.Dispose();
            _largeFramesOut.Dispose();
        }

        // The worker's own segment too: it never removes its last one, whose frame may have been unread when it exited.
        _largeFramesIn.Dispose();

        _writerSignal?.Release();
        _pipes.DataOut.Dispose();
        _pipes.DataIn.Dispose();
        lock (_pipes.ControlOut)
        {
            // Under the lock that Cancel writes under: failing the lost units below cancels their calls' other units.
            _pipes.ControlOut.Dispose();
        }

        _owner.OnWorkerExited(this, exitCode, protocolError ?? _fatalMessage, lost);
    }

    /// <summary>Collects the exit status. The pipe ended, so the worker is exiting; one that lingers is killed.</summary>
    private int? Reap()
    {
        for (int i = 0; i < 100; i++)
        {
            if (TryReap(blocking: false, out int? exitCode))
            {
                return exitCode;
            }

            Thread.Sleep(10);
        }

        // It closed its pipe but did not exit within a second: make sure it is gone.
        Kill();
        int? status;
        while (!TryReap(blocking: true, out status))
        {
        }

        return status;
    }

    /// <summary>One <c>waitpid</c>, under the lock <see cref="Kill()"/> takes, so that no signal goes to a reaped pid.</summary>
    /// <returns>Whether the worker is reaped (or cannot be waited for): then <paramref name="exitCode"/> is final.</returns>
    private unsafe bool TryReap(bool blocking, out int? exitCode)
    {
        lock (_reapLock)
        {
            int status;
            int rc = LibC.waitpid(Pid, &status, blocking ? 0 : LibC.WNOHANG);
            exitCode = rc == Pid ? LibC.DecodeWaitStatus(status) : null;
            if (rc == Pid || (rc < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != LibC.EINTR))
            {
                _reaped = true;
            }

            return _reaped;
        }
    }
}

/// <summary>What a <see cref="PoolWorker"/> reports to the pool that owns it.</summary>
internal interface IWorkerOwner
{
    void OnWorkerReady(PoolWorker worker);

    /// <summary>A unit was answered (called before the unit itself completes).</summary>
    void OnUnitDone(PoolWorker worker, WorkUnit unit, long elapsedTicks);

    /// <summary>The reader drained what the worker had sent: a good time to dispatch more work.</summary>
    void OnWorkerProgress(PoolWorker worker);

    /// <summary>The worker is gone; <paramref name="lost"/> are the units it held.</summary>
    void OnWorkerExited(PoolWorker worker, int? exitCode, string? detail, WorkUnit[] lost);
}
