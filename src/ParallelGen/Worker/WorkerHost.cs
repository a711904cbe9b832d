using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ParallelGen.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Platform;
using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Worker;

/// <summary>The loop a worker process runs: read <c>Run</c> frames, execute tasks one at a time, write <c>Done</c> frames.</summary>
/// <remarks>
/// <para>The main thread reads the data pipe and runs calls. Answers go into one output buffer, guarded by
/// <c>_outputLock</c>, and are written out: when no further request is already buffered (so a burst of small calls is
/// answered with one <c>write</c>), after any call that took 100 µs or more, while a long chunk runs (see
/// <see cref="WorkerCall"/>), and by a flusher thread within two milliseconds of a call that started with answers buffered, if it
/// still runs; and a result never waits in the buffer more than <see cref="s_holdTicks"/> for others to share its write.
/// So a result never waits for the calls queued behind it.</para>
/// <para>A second thread reads the control pipe: <c>Cancel</c> and <c>Withdraw</c> frames, and end of file, which means the
/// parent is gone; the worker then exits at once, even in the middle of a task, so no worker outlives its parent.
/// It answers a <c>Withdraw</c> itself, since the main thread may be busy for ever.</para>
/// <para>Lock order: <c>_cancelLock</c>, then <c>_outputLock</c>. The main thread never holds both.</para>
/// </remarks>
internal sealed class WorkerHost
{
    private const int FlushThreshold = 64 * 1024;

    /// <summary>How many looks (a millisecond apart) without a call the flusher makes before it sleeps until woken.</summary>
    private const int FlusherIdleTicks = 8;

    private static readonly long s_spinTicks = System.Diagnostics.Stopwatch.Frequency / 20_000;

    /// <summary>A call that took at least this long has its answer written out at once: the write costs little beside it.</summary>
    private static readonly long s_slowCallTicks = System.Diagnostics.Stopwatch.Frequency / 10_000;

    /// <summary>The longest a result waits in the buffer for others to share its write: 1 ms.</summary>
    private static readonly long s_holdTicks = System.Diagnostics.Stopwatch.Frequency / 1_000;

    /// <summary>The exit code of a worker that gave up on a call past <c>ProcessPoolOptions.TaskTimeout</c>.</summary>
    public const int TimedOutExitCode = 124;

    /// <summary>How long a SIGTERM waits to see whether the parent is dying (then it is the parent's death signal).</summary>
    private static readonly TimeSpan s_parentDeathSignalWait = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the end of the control pipe waits for the parent to be gone before it counts as the pool's close.</summary>
    private static readonly TimeSpan s_parentDeathPipeWait = TimeSpan.FromSeconds(1);

    private readonly WorkerStartInfo _info;
    private readonly Pipe _dataIn;
    private readonly Pipe _dataOut;
    private readonly Pipe _controlIn;
    private readonly FrameBuffer _output = new(64 * 1024);
    private readonly object _outputLock = new();
    private readonly SharedFrameReceiver _largeFramesIn;
    private readonly WorkerCall _call;
    private readonly object _cancelLock = new();
    private readonly HashSet<long> _cancelledEarly = [];
    private readonly HashSet<long> _withdrawn = [];
    private readonly RunCell? _runCell;
    private readonly ManualResetEventSlim _flusherWake = new(false, spinCount: 0);
    private CancellationTokenSource _cancellation = new();
    private long _startedRunId;
    private long _runningRunId;
    private long _runningSince;
    private long _heldSince;
    private long _runningBudget;
    private Timer? _watchdog;
    private bool _flusherParked = true;
    private long _callsStarted;
    private volatile bool _inCall;
    private volatile bool _shuttingDown;

    private enum Start
    {
        Run,
        Cancelled,
        Withdrawn,
    }

    private WorkerHost(WorkerStartInfo info)
    {
        _info = info;
        _dataIn = Pipe.FromInherited(info.DataIn);
        _dataOut = Pipe.FromInherited(info.DataOut);
        _controlIn = Pipe.FromInherited(info.ControlIn);

        // dup2 cleared close-on-exec on the inherited pipes (on Windows they came inheritable): set it again, or every
        // process a task starts would hold them open, and the parent would not see end of file when this worker dies.
        _dataIn.SetCloseOnExec();
        _dataOut.SetCloseOnExec();
        _controlIn.SetCloseOnExec();
        _largeFramesIn = new SharedFrameReceiver(info.MaxFrameLength);
        if (info.RunCellName.Length > 0)
        {
            _runCell = RunCell.Open(info.RunCellName);
        }

        _call = new WorkerCall(info.MaxFrameLength, new SharedFrameSender(info.ParentPid), _largeFramesIn, _outputLock, FlushLocked, _runCell);
    }

    /// <summary>Runs the worker until the parent asks it to stop or goes away; returns the exit code.</summary>
    public static int Run(WorkerStartInfo info)
    {
        // Out of libc's environment too, or a process a task starts with system() would think it is a worker.
        ThisProcess.RemoveEnvironmentVariable(WorkerStartInfo.EnvironmentVariable);
        ParallelGen.CurrentProcess.InitializeWorker(info);

        // The kernel sends SIGTERM when the parent dies (DieWithParent); .NET runs this on a thread of its own, so it
        // runs whatever the task is doing. A SIGTERM while the parent lives (Terminate) keeps its default meaning.
        using PosixSignalRegistration parentDeath = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            if (ParentDied(info.ParentPid, s_parentDeathSignalWait))
            {
                context.Cancel = true;
                EndAfterParent(info.ParentPid);
            }
        });
        ThisProcess.DieWithParent(info.ParentPid);
        WorkerHost host = new(info);
        int exitCode = host.Loop();
        if (!host._shuttingDown && ParentDied(info.ParentPid, s_parentDeathPipeWait))
        {
            EndAfterParent(info.ParentPid);
        }

        return exitCode;
    }

    /// <summary>
    /// What a worker does when its parent has died: removes the parent's shared-memory segments, which nobody else
    /// would remove until the next ParallelGen process sweeps, then ends at once with the processes its tasks started.
    /// </summary>
    private static bool ParentDied(int parentPid, TimeSpan patience)
    {
        // The kernel signals when the parent's launcher thread exits, and the control pipe ends when its last thread
        // closes its descriptors; either may come before this process is handed to a new parent. A parent killed with
        // SIGKILL is gone a few milliseconds later; a SIGTERM from a live parent (WorkerProcess.Terminate) waits this long.
        long end = Environment.TickCount64 + (long)patience.TotalMilliseconds;
        while (!ThisProcess.IsOrphanOf(parentPid))
        {
            if (Environment.TickCount64 >= end)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    private static void EndAfterParent(int parentPid)
    {
        SharedSegment.RemoveAllOf(parentPid);
        ThisProcess.EndWithDescendants(0);
    }

    private int Loop()
    {
        Thread control = new(ControlLoop) { IsBackground = true, Name = "ParallelGen control" };
        control.Start();
        Thread flusher = new(FlusherLoop) { IsBackground = true, Name = "ParallelGen flusher" };
        flusher.Start();
        if (_info.TaskTimeoutMilliseconds > 0)
        {
            int period = Math.Clamp(_info.TaskTimeoutMilliseconds / 4, 5, 250);
            _watchdog = new Timer(static state => ((WorkerHost)state!).CheckTimeout(), this, period, period);
        }

        lock (_outputLock)
        {
            ReadyFrame.Write(_output, Environment.ProcessId);
            FlushLocked();
        }

        using FrameReader reader = new(_dataIn, _info.MaxFrameLength, _largeFramesIn);
        try
        {
            while (reader.TryReadFrame(out byte kind, out ReadOnlyMemory<byte> body))
            {
                switch (kind)
                {
                    case (byte)FrameKind.Run:
                        bool wasEmpty = _output.Length == 0;
                        bool slow = RunCall(RunFrame.Parse(body));
                        reader.ReleaseFrame();
                        if (slow)
                        {
                            Flush();
                        }
                        else if (wasEmpty)
                        {
                            _heldSince = System.Diagnostics.Stopwatch.GetTimestamp();
                        }

                        break;
                    case (byte)FrameKind.LoadAssembly:
                        LoadAssembly(LoadAssemblyFrame.Parse(body.Span));
                        break;
                    case (byte)FrameKind.Shutdown:
                        _shuttingDown = true;
                        Flush();
                        return 0;
                    default:
                        throw new InvalidDataException($"Unexpected frame kind 0x{(byte)kind:X2} from the parent.");
                }

                if (!reader.HasBufferedFrame || _output.Length >= FlushThreshold
                    || System.Diagnostics.Stopwatch.GetTimestamp() - _heldSince >= s_holdTicks)
                {
                    // Read without the lock: only this thread appends, so a stale length errs towards an empty write.
                    Flush();
                }

                if (!reader.HasBufferedFrame)
                {
                    // The next call often follows within microseconds: look for it briefly before sleeping in read().
                    _dataIn.SpinUntilReadable(s_spinTicks);
                }
            }

            // The parent closed the pipe without a Shutdown frame: it is gone.
            return 0;
        }
        catch (Exception e)
        {
            // Task exceptions never get here (each call reports its own); this is a corrupt frame, a broken pipe, or an
            // assembly that cannot be loaded. Tell the parent why, then exit: it replaces the worker.
            TrySendFatal(e is InvalidDataException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            return 70;
        }
    }

    /// <summary>Runs one call; returns whether it took long enough that its answer should go out now.</summary>
    private bool RunCall(in RunFrame run)
    {
        switch (TryStart(run.RunId, run.Count, timed: !run.IsStartup))
        {
            case Start.Withdrawn:
                // Answered already, by the control thread; it is running elsewhere.
                return false;
            case Start.Cancelled:
                _call.WriteSkipped(run.RunId, _output);
                return false;
        }

        WakeFlusherIfNeeded();
        try
        {
            _call.Begin(run, _cancellation.Token, _output);
            if (TaskRegistry.Find(new TaskId(run.TaskId)) is not { } task)
            {
                _call.FailAll(new InvalidOperationException(
                    $"Task {new TaskId(run.TaskId)} is not registered in worker {Environment.ProcessId}; the parent and the worker run different builds."));
                return false;
            }

            using Activity? span = WorkerTelemetry.Start(run, task.Name);
            task.Execute(_call);
            return _call.LastElapsedTicks >= s_slowCallTicks;
        }
        finally
        {
            Finish();
        }
    }

    /// <summary>
    /// Takes up <paramref name="runId"/>, unless a <c>Cancel</c> or a <c>Withdraw</c> for it already arrived;
    /// <paramref name="timed"/> says whether TaskTimeout applies.
    /// </summary>
    private Start TryStart(long runId, int count, bool timed)
    {
        lock (_cancelLock)
        {
            // Before anything else: from here on the control thread no longer withdraws this run, and the parent, should
            // this worker die, knows that the runs after it never started.
            _startedRunId = runId;
            _runCell?.Started(runId);
            if (_withdrawn.Count > 0)
            {
                _withdrawn.RemoveWhere(id => id < runId);
                if (_withdrawn.Remove(runId))
                {
                    return Start.Withdrawn;
                }
            }

            if (_cancelledEarly.Count > 0)
            {
                // Calls arrive in increasing id order: a cancel for an older id came after its Done and is moot.
                _cancelledEarly.RemoveWhere(id => id < runId);
                if (_cancelledEarly.Remove(runId))
                {
                    return Start.Cancelled;
                }
            }

            _runningRunId = runId;
            _runningSince = Stopwatch.GetTimestamp();
            _runningBudget = timed ? WorkerStartInfo.CallBudgetTicks(_info.TaskTimeoutMilliseconds, count) : long.MaxValue;
            Volatile.Write(ref _callsStarted, _callsStarted + 1);
            _inCall = true;
            return Start.Run;
        }
    }

    private void Finish()
    {
        lock (_cancelLock)
        {
            _runningRunId = 0;
            _inCall = false;
            if (!_cancellation.TryReset())
            {
                _cancellation.Dispose();
                _cancellation = new CancellationTokenSource();
            }
        }
    }

    /// <summary>
    /// Runs on a timer when a task timeout is set: a call past its budget cannot be interrupted safely, so the worker
    /// reports it and exits; the parent fails that call with <see cref="TimeoutException"/> and starts a replacement.
    /// </summary>
    private void CheckTimeout()
    {
        lock (_cancelLock)
        {
            if (_runningRunId == 0 || Stopwatch.GetTimestamp() - _runningSince <= _runningBudget)
            {
                return;
            }

            // The main thread is inside the task: it cannot finish the call while we hold _cancelLock. What it answered
            // before goes first, so that nothing finished is lost.
            try
            {
                lock (_outputLock)
                {
                    TimedOutFrame.Write(_output, _runningRunId);
                    FlushLocked();
                }
            }
            catch (IOException)
            {
                // The parent is gone.
            }

            ThisProcess.ExitNow(TimedOutExitCode);
        }
    }

    private void ControlLoop()
    {
        using FrameReader reader = new(_controlIn, 64);
        try
        {
            while (reader.TryReadFrame(out byte kind, out ReadOnlyMemory<byte> body))
            {
                switch (kind)
                {
                    case (byte)FrameKind.Cancel:
                        Cancel(CancelFrame.Parse(body.Span));
                        break;
                    case (byte)FrameKind.Withdraw:
                        Withdraw(WithdrawFrame.Parse(body.Span));
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // A broken control pipe means the same as its end: the parent is gone.
        }

        if (!_shuttingDown)
        {
            // The parent died or killed the pool: stop now, whatever the task is doing.
            if (ParentDied(_info.ParentPid, s_parentDeathPipeWait))
            {
                EndAfterParent(_info.ParentPid);
            }

            ThisProcess.ExitNow(0);
        }
    }

    private void Cancel(long runId)
    {
        lock (_cancelLock)
        {
            if (_runningRunId == runId)
            {
                _cancellation.Cancel();
            }
            else
            {
                _cancelledEarly.Add(runId);
            }
        }
    }

    /// <summary>
    /// Gives back a run not started yet: says so at once (the main thread may be busy for ever), then makes sure the main
    /// thread skips it. In that order, so that a worker killed in between has told the parent, and a run it skips has
    /// always been given back. A run already taken up is answered as usual.
    /// </summary>
    private void Withdraw(long runId)
    {
        lock (_cancelLock)
        {
            if (runId <= _startedRunId)
            {
                return;
            }

            lock (_outputLock)
            {
                WithdrawnFrame.Write(_output, runId);
                FlushLocked();
            }

            _withdrawn.Add(runId);
        }
    }

    /// <summary>
    /// Writes out answers the main thread buffered before it went into a call that is taking long: woken when a call
    /// starts with answers still buffered, it looks every millisecond, and writes them out if the main thread is still in
    /// the same call as at the last look. While calls come and go quickly it does nothing (the main thread writes when it
    /// runs out of calls), and it goes back to sleep once the main thread is between calls.
    /// </summary>
    private void FlusherLoop()
    {
        try
        {
            while (true)
            {
                _flusherWake.Wait();
                _flusherWake.Reset();
                long seen = -1;
                int idleTicks = 0;
                while (true)
                {
                    Thread.Sleep(1);
                    long call = Volatile.Read(ref _callsStarted);
                    if (_inCall)
                    {
                        if (call == seen && _output.Length > 0)
                        {
                            Flush();
                        }

                        seen = call;
                        idleTicks = 0;
                        continue;
                    }

                    // Between calls: the main thread writes what it has itself. Asleep again only after a while
                    // without calls, so that a steady stream of them does not wake this thread over and over.
                    if (++idleTicks < FlusherIdleTicks)
                    {
                        continue;
                    }

                    lock (_outputLock)
                    {
                        if (!_inCall)
                        {
                            _flusherParked = true;
                            break;
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The parent is gone; the control thread ends the process.
        }
    }

    private void WakeFlusherIfNeeded()
    {
        if (!Volatile.Read(ref _flusherParked) || _output.Length == 0)
        {
            return;
        }

        lock (_outputLock)
        {
            if (!_flusherParked || _output.Length == 0)
            {
                return;
            }

            _flusherParked = false;
        }

        _flusherWake.Set();
    }

    private void Flush()
    {
        lock (_outputLock)
        {
            FlushLocked();
        }
    }

    /// <summary>Writes out everything buffered. Under <c>_outputLock</c>.</summary>
    private void FlushLocked()
    {
        if (_output.Length == 0)
        {
            return;
        }

        _dataOut.WriteAll(_output.WrittenSpan);
        _output.Clear();
    }

    private void TrySendFatal(string message)
    {
        try
        {
            lock (_outputLock)
            {
                _output.Clear();
                FatalFrame.Write(_output, message);
                FlushLocked();
            }
        }
        catch (IOException)
        {
            // The parent is gone; nobody to tell.
        }
    }

    private void LoadAssembly((string Name, string Path) assembly)
    {
        if (_info.SelfHosted)
        {
            // A Native AOT worker is the application itself: every dispatch table is compiled in and registered.
            return;
        }

        LoadAndRegister(assembly.Name, assembly.Path);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only JIT workers (launched through ParallelGen.WorkerHost) load task assemblies at run time.")]
    private static void LoadAndRegister(string name, string path)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(name));
        }
        catch (FileNotFoundException) when (path.Length > 0)
        {
            assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
        }

        // The generated module initializer registers the assembly's dispatch table.
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
    }
}
