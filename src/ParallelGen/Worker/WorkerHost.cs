using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using ParallelGen.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Platform;
using ParallelGen.Protocol;
using ParallelGen.Transport;

namespace ParallelGen.Worker;

/// <summary>The loop a worker process runs: read <c>Run</c> frames, execute tasks one at a time, write <c>Done</c> frames.</summary>
/// <remarks>
/// <para>The main thread owns the data pipes. Results are appended to one buffer and written when no further request
/// is already buffered, so a burst of small calls is answered with one <c>write</c>; but never held longer than
/// <see cref="s_holdTicks"/>, so that a finished result does not wait for the calls queued behind it.</para>
/// <para>A second thread reads the control pipe: <c>Cancel</c> frames, and end of file, which means the parent is
/// gone; the worker then exits at once, even in the middle of a task, so no worker outlives its parent.</para>
/// </remarks>
internal sealed class WorkerHost
{
    private const int FlushThreshold = 64 * 1024;

    private static readonly long s_spinTicks = System.Diagnostics.Stopwatch.Frequency / 20_000;

    /// <summary>The longest a result waits in the buffer for others to share its write: 1 ms.</summary>
    private static readonly long s_holdTicks = System.Diagnostics.Stopwatch.Frequency / 1_000;

    /// <summary>The exit code of a worker that gave up on a call past <c>ProcessPoolOptions.TaskTimeout</c>.</summary>
    public const int TimedOutExitCode = 124;

    private readonly WorkerStartInfo _info;
    private readonly Pipe _dataIn = Pipe.FromInherited(WorkerStartInfo.DataInFd);
    private readonly Pipe _dataOut = Pipe.FromInherited(WorkerStartInfo.DataOutFd);
    private readonly Pipe _controlIn = Pipe.FromInherited(WorkerStartInfo.ControlInFd);
    private readonly FrameBuffer _output = new(64 * 1024);
    private readonly SharedFrameReceiver _largeFramesIn;
    private readonly WorkerCall _call;
    private readonly object _cancelLock = new();
    private readonly HashSet<long> _cancelledEarly = [];
    private CancellationTokenSource _cancellation = new();
    private long _runningRunId;
    private long _runningSince;
    private long _heldSince;
    private long _runningBudget;
    private Timer? _watchdog;
    private volatile bool _shuttingDown;

    private WorkerHost(WorkerStartInfo info)
    {
        _info = info;

        // dup2 cleared close-on-exec on the inherited pipes: set it again, or every process a task starts would hold
        // them open, and the parent would not see end of file when this worker dies.
        _dataIn.SetCloseOnExec();
        _dataOut.SetCloseOnExec();
        _controlIn.SetCloseOnExec();
        _largeFramesIn = new SharedFrameReceiver(info.MaxFrameLength);
        _call = new WorkerCall(info.MaxFrameLength, new SharedFrameSender(), _largeFramesIn);
    }

    /// <summary>Runs the worker until the parent asks it to stop or goes away; returns the exit code.</summary>
    public static int Run(WorkerStartInfo info)
    {
        ParallelGen.CurrentProcess.InitializeWorker(info);
        ThisProcess.DieWithParent(info.ParentPid);
        return new WorkerHost(info).Loop();
    }

    private int Loop()
    {
        Thread control = new(ControlLoop) { IsBackground = true, Name = "ParallelGen control" };
        control.Start();
        if (_info.TaskTimeoutMilliseconds > 0)
        {
            int period = Math.Clamp(_info.TaskTimeoutMilliseconds / 4, 5, 250);
            _watchdog = new Timer(static state => ((WorkerHost)state!).CheckTimeout(), this, period, period);
        }

        ReadyFrame.Write(_output, Environment.ProcessId);
        Flush();

        using FrameReader reader = new(_dataIn, _info.MaxFrameLength, _largeFramesIn);
        try
        {
            while (reader.TryReadFrame(out byte kind, out ReadOnlyMemory<byte> body))
            {
                switch (kind)
                {
                    case (byte)FrameKind.Run:
                        bool wasEmpty = _output.Length == 0;
                        RunCall(RunFrame.Parse(body));
                        reader.ReleaseFrame();
                        if (wasEmpty)
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

    private void RunCall(in RunFrame run)
    {
        if (_watchdog is not null)
        {
            // If this call times out the worker exits at once: everything finished before it must be on its way.
            Flush();
        }

        if (!TryStart(run.RunId, run.Count, timed: !run.IsStartup))
        {
            _call.WriteSkipped(run.RunId, _output);
            return;
        }

        try
        {
            _call.Begin(run, _cancellation.Token, _output);
            if (TaskRegistry.Find(new TaskId(run.TaskId)) is not { } task)
            {
                _call.FailAll(new InvalidOperationException(
                    $"Task {new TaskId(run.TaskId)} is not registered in worker {Environment.ProcessId}; the parent and the worker run different builds."));
                return;
            }

            using Activity? span = WorkerTelemetry.Start(run, task.Name);
            task.Execute(_call);
        }
        finally
        {
            Finish();
        }
    }

    /// <summary>Marks <paramref name="runId"/> as running, unless a <c>Cancel</c> for it already arrived; <paramref name="timed"/> says whether TaskTimeout applies.</summary>
    private bool TryStart(long runId, int count, bool timed)
    {
        lock (_cancelLock)
        {
            if (_cancelledEarly.Count > 0)
            {
                // Calls arrive in increasing id order: a cancel for an older id came after its Done and is moot.
                _cancelledEarly.RemoveWhere(id => id < runId);
                if (_cancelledEarly.Remove(runId))
                {
                    return false;
                }
            }

            _runningRunId = runId;
            _runningSince = Stopwatch.GetTimestamp();
            _runningBudget = timed ? WorkerStartInfo.CallBudgetTicks(_info.TaskTimeoutMilliseconds, count) : long.MaxValue;
            return true;
        }
    }

    private void Finish()
    {
        lock (_cancelLock)
        {
            _runningRunId = 0;
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

            // The main thread is inside the task and cannot write until it takes this lock, so the pipe is ours.
            try
            {
                using FrameBuffer frame = new(32);
                TimedOutFrame.Write(frame, _runningRunId);
                _dataOut.WriteAll(frame.WrittenSpan);
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
                if (kind != (byte)FrameKind.Cancel)
                {
                    continue;
                }

                long runId = CancelFrame.Parse(body.Span);
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
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // A broken control pipe means the same as its end: the parent is gone.
        }

        if (!_shuttingDown)
        {
            // The parent died or killed the pool: stop now, whatever the task is doing.
            ThisProcess.ExitNow(0);
        }
    }

    private void Flush()
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
            _output.Clear();
            FatalFrame.Write(_output, message);
            Flush();
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
