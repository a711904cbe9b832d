using ParallelGen.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Platform;
using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Backends.Process;

/// <summary>The parent's connection to one worker process: its pipes, its writer and its reader thread.</summary>
/// <remarks>
/// <para><b>Writes never block a reader.</b> Frames are appended to <c>_pending</c> and written by whichever thread
/// holds the writer role, with non-blocking <c>write</c> calls. If the pipe is full the rest is handed to a writer
/// thread that may block. So the reader thread, which also dispatches new work, always goes back to draining the
/// worker's output, and parent and worker can never wait on each other's full pipes.</para>
/// <para>Cancel frames go on a pipe of their own (the control pipe), so they overtake queued runs.</para>
/// </remarks>
internal sealed class ProcessChannel : IWorkerChannel
{
    private readonly WorkerPipes _pipes;
    private IWorkerEvents _events;
    private ManualResetEventSlim? _held;
    private bool _readerStarted;
    private volatile bool _sawReady;
    private readonly int _maxFrameLength;
    private readonly object _sync = new();
    private readonly SharedFrameSender _largeFramesOut = new();
    private readonly SharedFrameReceiver _largeFramesIn;
    private readonly PoolTelemetry? _telemetry;
    private FrameBuffer _pending = new();
    private FrameBuffer _writing = new();
    private int _writeOffset;
    private bool _writerActive;
    private int _tablesSent;
    private State _state;
    private SemaphoreSlim? _writerSignal;
    private string? _detail;

    public ProcessChannel(IWorkerEvents events, WorkerPipes pipes, int maxFrameLength, PoolTelemetry? telemetry = null)
    {
        _telemetry = telemetry;
        _events = events;
        _pipes = pipes;
        _maxFrameLength = maxFrameLength;
        _largeFramesIn = new SharedFrameReceiver(maxFrameLength);
    }

    private enum State
    {
        Open,
        ShutdownSent,
        Exited,
    }

    /// <summary>Gets the worker's process id.</summary>
    public int Id => _pipes.Pid;

    /// <summary>Asks the worker process to stop (SIGTERM on Linux), as Python's <c>Process.terminate()</c> does.</summary>
    public void Terminate() => _pipes.Process.Terminate();

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

    public void Start()
    {
        ManualResetEventSlim? held;
        lock (_sync)
        {
            held = _held;
            if (_readerStarted)
            {
                if (held is null)
                {
                    return;
                }

                if (!_sawReady)
                {
                    // A reused worker still starting: its Ready frame, when it comes, goes to the new owner.
                    _held = null;
                    held.Set();
                    return;
                }

                // A reused worker: it is up already. Its new owner hears so first, then whatever the reader held back.
                IWorkerEvents events = _events;
                ThreadPool.UnsafeQueueUserWorkItem(
                    static state =>
                    {
                        (ProcessChannel channel, IWorkerEvents owner, ManualResetEventSlim release) = state;
                        owner.OnReady(channel);
                        lock (channel._sync)
                        {
                            if (channel._held == release)
                            {
                                channel._held = null;
                            }
                        }

                        release.Set();
                    },
                    (this, events, held),
                    preferLocal: false);
                return;
            }

            _readerStarted = true;

            // The task assemblies go first, so that the worker loads them while it starts rather than at its first call.
            SendNewTables();
        }

        Flush();
        Thread reader = new(ReadLoop) { IsBackground = true, Name = $"ParallelGen reader {Id}" };
        reader.Start();
    }

    public bool TryRebind(IWorkerEvents events)
    {
        lock (_sync)
        {
            if (_state != State.Open || !_readerStarted)
            {
                return false;
            }

            // A fresh hold every time: a previous one may be on its way to release the previous owner.
            _held = new ManualResetEventSlim(false);
            Volatile.Write(ref _events, events);
            return true;
        }
    }

    /// <summary>Gets the owner to deliver the next event to, waiting while the channel is between owners.</summary>
    private IWorkerEvents Events
    {
        get
        {
            // A hold is cleared before it is set, so once one is set the field holds nothing or a newer hold.
            while (Volatile.Read(ref _held) is { } held)
            {
                held.Wait();
            }

            return Volatile.Read(ref _events);
        }
    }

    public bool TrySend(IRunRequest request)
    {
        lock (_sync)
        {
            if (_state == State.Exited)
            {
                return false;
            }

            SendNewTables();
            int start = RunFrame.Begin(_pending, request.RunId, request.Task.Id.Value, request.Flags, request.TraceContext);
            _pending.SpillLargeFrame(start, _largeFramesOut); // large arguments are serialized straight into shared memory
            _pending.Limit = start + 4 + _maxFrameLength;
            try
            {
                request.WriteArguments(_pending);
            }
            catch (FrameTooLargeException)
            {
                // Refused as soon as the arguments outgrew the limit, not after serializing all of them.
                _pending.Truncate(start);
                throw new InvalidOperationException(
                    $"The arguments of {request.Task.Name} serialize to more than ProcessPoolOptions.MaxMessageSize ({_maxFrameLength} bytes).");
            }
            catch
            {
                _pending.Truncate(start);
                throw;
            }
            finally
            {
                _pending.Limit = int.MaxValue;
            }

            RunFrame.End(_pending, start, _maxFrameLength, request.Task.Name);
            int length = _pending.Length - start - 4;
            bool diverted = _largeFramesOut.TryDivert(_pending, start);
            _telemetry?.Transferred(sent: true, diverted, length);
            return true;
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

    public void Cancel(long runId)
    {
        Span<byte> frame = stackalloc byte[CancelFrame.Length];
        CancelFrame.Write(frame, runId);
        WriteControl(frame);
    }

    public void Withdraw(long runId)
    {
        Span<byte> frame = stackalloc byte[WithdrawFrame.Length];
        WithdrawFrame.Write(frame, runId);
        WriteControl(frame);
    }

    private void WriteControl(ReadOnlySpan<byte> frame)
    {
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

    public void Shutdown()
    {
        lock (_sync)
        {
            if (_state != State.Open)
            {
                return;
            }

            _state = State.ShutdownSent;
            ShutdownFrame.Write(_pending);
        }

        Flush();
    }

    public void Kill(string? reason = null)
    {
        if (reason is not null)
        {
            Interlocked.CompareExchange(ref _detail, reason, null);
        }

        _pipes.Process.Kill();
    }

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

    private void SendNewTables()
    {
        TaskRegistry.TaskTable[] tables = TaskRegistry.Tables;
        for (; _tablesSent < tables.Length; _tablesSent++)
        {
            LoadAssemblyFrame.Write(_pending, tables[_tablesSent].AssemblyName, tables[_tablesSent].AssemblyPath);
        }
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
                // The worker closed its end, or its exit closed ours: it died. The reader thread reports it.
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
            Thread writer = new(WriterThread) { IsBackground = true, Name = $"ParallelGen writer {Id}" };
            writer.Start();
        }

        _writerSignal.Release();
    }

    private void WriterThread()
    {
        while (true)
        {
            _writerSignal!.Wait();
            lock (_sync)
            {
                if (_state == State.Exited)
                {
                    return;
                }
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
                    _telemetry?.Transferred(sent: false, _largeFramesIn.HoldsFrame, body.Length + 1);
                    switch ((FrameKind)kind)
                    {
                        case FrameKind.Done:
                            Events.OnDone(this, DoneFrame.Parse(body.Span, Id));
                            reader.ReleaseFrame();
                            break;
                        case FrameKind.Ready:
                            // The worker mapped its run cell before it said Ready: its name is of no more use, and
                            // removing it here too means none is left however briefly the worker lives.
                            _pipes.Cell.RemoveName();
                            _sawReady = true;
                            Events.OnReady(this);
                            break;
                        case FrameKind.TimedOut:
                            Events.OnTimedOut(this, TimedOutFrame.Parse(body.Span));
                            break;
                        case FrameKind.Withdrawn:
                            Events.OnWithdrawn(this, WithdrawnFrame.Parse(body.Span));
                            break;
                        case FrameKind.Fatal:
                            Interlocked.CompareExchange(ref _detail, FatalFrame.Parse(body.Span), null);
                            break;
                        default:
                            throw new InvalidDataException($"Unexpected frame kind 0x{kind:X2} from worker {Id}.");
                    }

                    if (!reader.HasBufferedFrame)
                    {
                        Events.OnIdle(this);
                    }
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentOutOfRangeException or IndexOutOfRangeException)
            {
                protocolError = $"protocol error: {e.Message}";
                _pipes.Process.Kill();
            }
        }

        OnExited(protocolError);
    }

    private void OnExited(string? protocolError)
    {
        int? exitCode = _pipes.Process.WaitForExit(TimeSpan.FromSeconds(1));
        lock (_sync)
        {
            _state = State.Exited;
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
            // Under the lock that Cancel writes under: the owner's handling of this exit cancels other runs.
            _pipes.ControlOut.Dispose();
        }

        long started = _pipes.Cell.StartedRunId;
        long begun = _pipes.Cell.BegunRunId;
        _pipes.Cell.Dispose();
        string? detail = protocolError ?? Volatile.Read(ref _detail);
        Events.OnExited(this, new WorkerExit(exitCode, detail, KilledFromOutside: detail is null && ChildProcess.IsKilledFromOutside(exitCode), LastStartedRunId: started, LastBegunRunId: begun));
    }
}
