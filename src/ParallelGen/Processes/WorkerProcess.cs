using ParallelGen.Backends.Process;
using ParallelGen.Backends;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen;

/// <summary>
/// One task running in a process of its own (Python's <c>multiprocessing.Process</c>):
/// <c>var p = WorkerProcess.Start(Download, url, queue); p.Join();</c>.
/// </summary>
/// <remarks>
/// <para>The process starts at once and exits when the task returns. A task exception is printed to the parent's
/// standard error, as Python prints a child's traceback, is available as <see cref="Exception"/>, and makes
/// <see cref="ExitCode"/> 1. The task's return value is discarded, as in Python.</para>
/// <para><see cref="ExitCode"/> follows Python: 0 on success, the code passed to <c>Environment.Exit</c>, or the
/// negative signal number when the process was killed (<see cref="Terminate"/> gives -15, <see cref="Kill"/> -9).</para>
/// </remarks>
public sealed partial class WorkerProcess : IWorkerEvents
{
    private static int s_counter;
    private static readonly List<WorkerProcess> s_live = [];
    private static bool s_hooked;

    private readonly ProcessChannel _worker;
    private readonly ProcessRun _run;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(ProcessRun run, WorkerProcessOptions? options)
    {
        _run = run;
        Name = options?.Name ?? $"WorkerProcess-{Interlocked.Increment(ref s_counter)}";
        Daemon = options?.Daemon ?? false;
        _worker = (ProcessChannel)new ProcessBackend(ProcessPoolOptions.DefaultMaxMessageSize, taskTimeoutMilliseconds: 0, () => WorkerIdentity.OfProcess(Name)).Launch(this);
        Track(this);
        _worker.Start();
    }

    /// <summary>Gets the process's name.</summary>
    public string Name { get; }

    /// <summary>Gets whether the process is killed when the parent exits (see <see cref="WorkerProcessOptions.Daemon"/>).</summary>
    public bool Daemon { get; }

    /// <summary>Gets the operating-system process id.</summary>
    public int Pid => _worker.Id;

    /// <summary>Gets whether the process is still running.</summary>
    public bool IsAlive => !_exited.Task.IsCompleted;

    /// <summary>Gets the exit code once the process has exited, else <see langword="null"/>; negative for a signal, as in Python.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>Gets the task's exception once the process has exited, if the task threw.</summary>
    public RemoteTaskException? Exception { get; private set; }

    /// <summary>Starts <paramref name="task"/> in a new process.</summary>
    /// <remarks>Application code calls <c>WorkerProcess.Start(Download, url, queue)</c>; the generator routes it here.</remarks>
    /// <param name="task">The generated task descriptor.</param>
    /// <param name="args">The arguments, packed as the descriptor expects.</param>
    /// <param name="options">The name and daemon flag.</param>
    public static WorkerProcess Start<TArgs, TResult>(ProcessTask<TArgs, TResult> task, TArgs args, WorkerProcessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new WorkerProcess(new ProcessRun<TArgs>(task, args), options);
    }

    /// <summary>Gets the processes started from this process that are still running (Python's <c>active_children()</c>).</summary>
    /// <returns>A snapshot, in start order.</returns>
    public static WorkerProcess[] ActiveChildren()
    {
        lock (s_live)
        {
            return [.. s_live];
        }
    }

    /// <summary>Waits until the process exits (Python's <c>join()</c>).</summary>
    public void Join() => _exited.Task.Wait();

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit.</summary>
    /// <returns>Whether it exited in time.</returns>
    public bool Join(TimeSpan timeout) => _exited.Task.Wait(timeout);

    /// <summary>Waits asynchronously until the process exits.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _exited.Task.WaitAsync(cancellationToken);

    /// <summary>Asks the process to stop with SIGTERM (Python's <c>terminate()</c>); its exit code becomes -15.</summary>
    public void Terminate()
    {
        if (IsAlive)
        {
            _worker.Terminate();
        }
    }

    /// <summary>Kills the process with SIGKILL (Python's <c>kill()</c>); its exit code becomes -9.</summary>
    public void Kill()
    {
        if (IsAlive)
        {
            _worker.Kill();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"<WorkerProcess name='{Name}' pid={Pid} {(IsAlive ? "started" : $"exitcode={ExitCode}")}{(Daemon ? " daemon" : "")}>";

    void IWorkerEvents.OnReady(IWorkerChannel worker)
    {
        if (worker.TrySend(_run))
        {
            worker.Shutdown();
        }
    }

    void IWorkerEvents.OnDone(IWorkerChannel worker, in DoneFrame done) => _run.OnDone(done);

    void IWorkerEvents.OnTimedOut(IWorkerChannel worker, long runId)
    {
    }

    void IWorkerEvents.OnIdle(IWorkerChannel worker)
    {
    }

    void IWorkerEvents.OnExited(IWorkerChannel worker, WorkerExit exit)
    {
        Exception = _run.Error;
        ExitCode = exit.ExitCode switch
        {
            0 when Exception is not null => 1,
            null => -1,
            _ => exit.ExitCode,
        };

        lock (s_live)
        {
            s_live.Remove(this);
        }

        _exited.TrySetResult();
    }

    private static void Track(WorkerProcess process)
    {
        lock (s_live)
        {
            s_live.Add(process);
            if (!s_hooked)
            {
                s_hooked = true;
                AppDomain.CurrentDomain.ProcessExit += static (_, _) => OnParentExit();
            }
        }
    }

    /// <summary>At a normal exit of the parent: kill daemon processes, wait for the others (as Python does).</summary>
    private static void OnParentExit()
    {
        WorkerProcess[] live;
        lock (s_live)
        {
            live = [.. s_live];
        }

        foreach (WorkerProcess process in live.Where(p => p.Daemon))
        {
            process.Kill();
        }

        foreach (WorkerProcess process in live.Where(p => !p.Daemon))
        {
            process.Join();
        }
    }

    /// <summary>The single call a process runs; its result is discarded, as in Python.</summary>
    private abstract class ProcessRun(ProcessTask task) : IRunRequest
    {
        public long RunId => 1;

        public ProcessTask Task { get; } = task;

        public byte Flags => RunFrame.StopOnError;

        /// <summary>Gets the task's exception, once the process has answered.</summary>
        public RemoteTaskException? Error { get; private set; }

        public abstract void WriteArguments(FrameBuffer buffer);

        public void OnDone(in DoneFrame done)
        {
            if (done.Errors is { Count: > 0 } errors)
            {
                Error = done.ToException(errors[0], Task.Name);
                Console.Error.WriteLine($"Process {done.WorkerPid} ({Task.Name}) failed:\n{Error.RemoteTypeName}: {Error.Message}\n{Error.RemoteStackTrace}");
            }
        }
    }

    private sealed class ProcessRun<TArgs>(ProcessTask task, TArgs args) : ProcessRun(task)
    {
        // Serialized in Start, not when the worker is ready: pipe ends passed to the process are held for it by the
        // time Start returns, so the parent may close its copies at once (Python's idiom).
        private readonly FrameBuffer _arguments = Serialize(args);

        public override void WriteArguments(FrameBuffer buffer) => buffer.Write(_arguments.WrittenSpan);

        private static FrameBuffer Serialize(TArgs args)
        {
            FrameBuffer buffer = new(256);
            Payload.WriteSpan(buffer, new ReadOnlySpan<TArgs>(in args));
            return buffer;
        }
    }
}
