using System.Diagnostics;
using ParallelGen.Backends.Process;
using ParallelGen.Platform.Linux;
using ParallelGen.Pool;
using ParallelGen.Protocol;

namespace ParallelGen;

/// <summary>
/// A pool of worker processes that run <c>[ProcessTask]</c> methods: the .NET counterpart of Python's
/// <c>multiprocessing.Pool</c>.
/// </summary>
/// <remarks>
/// <para>Workers are real OS processes, started when the pool is created and replaced when they die or retire.
/// A task's exception reaches the caller as <see cref="RemoteTaskException"/>; a worker that dies fails only the calls
/// it held, with <see cref="WorkerCrashedException"/>, and the pool carries on.</para>
/// <para><see cref="Dispose"/> terminates the workers at once (like leaving Python's <c>with Pool()</c> block);
/// <see cref="DisposeAsync"/> lets queued work finish first. All members are thread-safe.</para>
/// </remarks>
public sealed partial class ProcessPool : IWorkerOwner
{
    private const int MaxStartFailures = 3;
    private const int MaxWindow = 128;

    /// <summary>How long past its task timeout a worker that has not stopped itself is given before the parent kills it.</summary>
    private const int StuckGraceMilliseconds = 1000;

    [ThreadStatic]
    private static List<WorkUnit>? t_dispatchBatch;

    [ThreadStatic]
    private static List<PoolWorker>? t_shutdownBatch;

    private readonly object _lock = new();
    private readonly PoolWorker?[] _slots;
    private readonly LinkedList<IWorkSource> _sources = new();
    private readonly Queue<WorkUnit> _retries = new();
    private readonly int _maxMessageSize;
    private readonly long _maxTasksPerWorker;
    private readonly TimeSpan _workerStartTimeout;
    private readonly PoolInitializer? _initializer;
    private readonly int _taskTimeoutMilliseconds;
    private readonly Timer? _stuckWorkerCheck;
    private readonly TaskCompletionSource _allExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _shortUnitTicks = Stopwatch.Frequency / 5_000;
    private readonly long _longUnitTicks = Stopwatch.Frequency / 500;
    private long _nextCallId;
    private PoolState _state;
    private int _liveWorkers;
    private int _startFailures;
    private Exception? _fault;

    /// <summary>Starts a pool of <see cref="Environment.ProcessorCount"/> worker processes.</summary>
    public ProcessPool()
        : this(new ProcessPoolOptions())
    {
    }

    /// <summary>Starts a pool of <paramref name="processes"/> worker processes.</summary>
    public ProcessPool(int processes)
        : this(new ProcessPoolOptions { Processes = processes })
    {
    }

    /// <summary>Starts a pool with the given options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">Workers cannot be started in this environment; the message says why.</exception>
    /// <exception cref="PlatformNotSupportedException">The operating system is not Linux or macOS.</exception>
    public ProcessPool(ProcessPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Processes = options.ResolveProcesses();
        _maxMessageSize = options.MaxMessageSize;
        _maxTasksPerWorker = options.MaxTasksPerWorker ?? long.MaxValue;
        _workerStartTimeout = options.WorkerStartTimeout;
        _initializer = options.Initializer;
        _taskTimeoutMilliseconds = options.TaskTimeout is { } timeout ? (int)Math.Ceiling(timeout.TotalMilliseconds) : 0;
        _slots = new PoolWorker?[Processes];
        if (_taskTimeoutMilliseconds > 0)
        {
            int period = Math.Clamp(_taskTimeoutMilliseconds / 2, 50, 1000);
            _stuckWorkerCheck = new Timer(static state => ((ProcessPool)state!).KillStuckWorkers(), this, period, period);
        }

        // Resolve the launch command first, so that a broken environment fails here with its reason.
        _ = WorkerLauncher.Command;
        PoolRegistry.Add(this);
        try
        {
            for (int slot = 0; slot < Processes; slot++)
            {
                StartWorker(slot, throwOnError: true);
            }
        }
        catch
        {
            Terminate();
            throw;
        }
    }

    private enum PoolState
    {
        Running,
        Closed,
        Terminated,
    }

    /// <summary>Gets the number of worker processes the pool keeps running.</summary>
    public int Processes { get; }

    /// <summary>Gets the process ids of the workers alive now (they change as workers are replaced).</summary>
    public IReadOnlyList<int> WorkerPids
    {
        get
        {
            lock (_lock)
            {
                return [.. _slots.Where(w => w is not null).Select(w => w!.Pid)];
            }
        }
    }

    /// <summary>Adds a call to the queue and dispatches what the workers can take.</summary>
    /// <exception cref="InvalidOperationException">The pool is closed.</exception>
    /// <exception cref="ObjectDisposedException">The pool is terminated or disposed.</exception>
    private void Submit(IWorkSource source)
    {
        lock (_lock)
        {
            ThrowIfNotAccepting();
            _sources.AddLast(source);
        }

        Pump();
    }

    private void ThrowIfNotAccepting()
    {
        switch (_state)
        {
            case PoolState.Closed:
                throw new InvalidOperationException("The pool is closed: Close() was called, so it accepts no new work. Create a new ProcessPool.");
            case PoolState.Terminated:
                throw new ObjectDisposedException(nameof(ProcessPool), "The pool was terminated or disposed; it accepts no new work.");
        }

        if (_fault is not null)
        {
            throw new InvalidOperationException($"The pool cannot start worker processes: {_fault.Message}", _fault);
        }
    }

    /// <summary>Moves work from the queue to workers with room, then writes it outside the lock.</summary>
    private void Pump()
    {
        List<WorkUnit> batch = t_dispatchBatch ??= [];
        List<PoolWorker> shutdowns = t_shutdownBatch ??= [];
        lock (_lock)
        {
            if (_state == PoolState.Terminated)
            {
                return;
            }

            while (PickWorker() is { } worker && TakeNext(_maxTasksPerWorker - worker.ItemsAssigned) is { } unit)
            {
                unit.CallId = ++_nextCallId;
                unit.Worker = worker;
                worker.Assigned++;
                worker.ItemsAssigned += unit.Count;
                if (worker.ItemsAssigned >= _maxTasksPerWorker)
                {
                    // Retiring: it finishes what it has, then gets a Shutdown and a successor.
                    worker.IsClosed = true;
                }

                batch.Add(unit);
            }

            CollectIdleShutdowns(shutdowns);
        }

        if (batch.Count > 0)
        {
            Dispatch(batch);
            batch.Clear();
        }

        foreach (PoolWorker worker in shutdowns)
        {
            worker.Shutdown();
        }

        shutdowns.Clear();
    }

    private void Dispatch(List<WorkUnit> batch)
    {
        bool requeued = false;
        foreach (WorkUnit unit in batch)
        {
            PoolWorker worker = unit.Worker!;
            bool sent;
            try
            {
                sent = worker.Send(unit, flush: false);
            }
            catch (Exception e)
            {
                lock (_lock)
                {
                    worker.Assigned--;
                }

                unit.OnFailed(e);
                continue;
            }

            if (!sent)
            {
                // The worker died between assignment and sending: the unit never ran, so it is not a crash of its own.
                lock (_lock)
                {
                    worker.Assigned--;
                    worker.IsClosed = true;
                    _retries.Enqueue(unit);
                }

                requeued = true;
            }
        }

        PoolWorker? last = null;
        foreach (WorkUnit unit in batch)
        {
            if (!ReferenceEquals(unit.Worker, last))
            {
                last = unit.Worker!;
                last.Flush();
            }
        }

        if (requeued)
        {
            Pump();
        }
    }

    /// <summary>Picks the ready worker with the most room, or <see langword="null"/> if all are full.</summary>
    private PoolWorker? PickWorker()
    {
        PoolWorker? best = null;
        foreach (PoolWorker? worker in _slots)
        {
            if (worker is { IsReady: true, IsClosed: false } && worker.Assigned < worker.Window
                && (best is null || worker.Assigned < best.Assigned))
            {
                best = worker;
            }
        }

        return best;
    }

    /// <summary>Takes the next unit: retries first, then the sources in submission order.</summary>
    private WorkUnit? TakeNext(long budget)
    {
        int maxItems = (int)Math.Min(budget, int.MaxValue);
        while (_retries.TryDequeue(out WorkUnit? retry))
        {
            if (!retry.IsAbandoned)
            {
                return retry;
            }
        }

        LinkedListNode<IWorkSource>? node = _sources.First;
        while (node is not null)
        {
            LinkedListNode<IWorkSource>? next = node.Next;
            if (node.Value.TryTake(maxItems) is { } unit)
            {
                return unit;
            }

            if (node.Value.IsDrained)
            {
                _sources.Remove(node);
            }

            node = next;
        }

        return null;
    }

    private bool HasQueuedWork()
    {
        if (_retries.Count > 0)
        {
            return true;
        }

        for (LinkedListNode<IWorkSource>? node = _sources.First; node is not null;)
        {
            LinkedListNode<IWorkSource>? next = node.Next;
            if (node.Value.IsDrained)
            {
                _sources.Remove(node);
            }

            node = next;
        }

        return _sources.Count > 0;
    }

    /// <summary>Finds workers to send a <c>Shutdown</c>: retired ones that are idle, and all idle ones of a closed, drained pool.</summary>
    private void CollectIdleShutdowns(List<PoolWorker> shutdowns)
    {
        bool closing = _state == PoolState.Closed && !HasQueuedWork();
        foreach (PoolWorker? worker in _slots)
        {
            if (worker is { Assigned: 0 } && (worker.IsClosed || closing) && !worker.ShutdownRequested)
            {
                worker.IsClosed = true;
                worker.ShutdownRequested = true;
                shutdowns.Add(worker);
            }
        }
    }

    private void StartWorker(int slot, bool throwOnError)
    {
        WorkerPipes pipes;
        try
        {
            pipes = WorkerLauncher.Spawn(_maxMessageSize, _taskTimeoutMilliseconds);
        }
        catch (Exception e)
        {
            if (throwOnError)
            {
                throw;
            }

            FailQueued(e);
            return;
        }

        PoolWorker worker = new(this, slot, pipes, _maxMessageSize);
        lock (_lock)
        {
            _slots[slot] = worker;
            _liveWorkers++;
        }

        OnWorkerStartedForTesting(worker.Pid);
        worker.Start(_workerStartTimeout);
        if (_state == PoolState.Terminated)
        {
            worker.Kill();
        }
    }

    void IWorkerOwner.OnWorkerReady(PoolWorker worker)
    {
        if (_initializer is not null)
        {
            RunInitializer(worker, _initializer);
            return;
        }

        MarkReady(worker);
    }

    /// <summary>
    /// Sends the initializer before anything else; the worker only counts as ready, and gets work, once it returned.
    /// A failing initializer stops the worker, which then counts as a failed start.
    /// </summary>
    private void RunInitializer(PoolWorker worker, PoolInitializer initializer)
    {
        WorkUnit unit = initializer.CreateUnit();
        lock (_lock)
        {
            unit.CallId = ++_nextCallId;
            unit.Worker = worker;
            worker.Assigned++;
        }

        if (!worker.Send(unit, flush: true))
        {
            return; // Already gone: its exit is reported as a failed start.
        }

        ((IInitializerUnit)unit).Outcome.ContinueWith(
            outcome =>
            {
                if (outcome.Result is { } error)
                {
                    worker.Kill(error);
                }
                else
                {
                    MarkReady(worker);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void MarkReady(PoolWorker worker)
    {
        worker.CompleteStart();
        lock (_lock)
        {
            worker.IsReady = true;
            _startFailures = 0;
        }

        SignalReadyWaiters();
        Pump();
    }

    void IWorkerOwner.OnUnitDone(PoolWorker worker, WorkUnit unit, long elapsedTicks)
    {
        lock (_lock)
        {
            worker.Assigned--;

            // Keep enough short calls queued in the worker to hide the pipe round trip, but only two long ones
            // (one running, the next already there), so a slow call does not hold back much work that another worker
            // could start. A new worker starts with one, so that long tasks submitted while the other workers are
            // still starting do not pile up behind each other in the first worker to answer.
            if (elapsedTicks < _shortUnitTicks)
            {
                worker.Window = Math.Min(worker.Window * 2, MaxWindow);
            }
            else if (elapsedTicks > _longUnitTicks)
            {
                worker.Window = 2;
            }
        }
    }

    void IWorkerOwner.OnWorkerProgress(PoolWorker worker) => Pump();

    void IWorkerOwner.OnWorkerExited(PoolWorker worker, int? exitCode, string? detail, WorkUnit[] lost)
    {
        List<WorkUnit> failed = [];
        WorkUnit? timedOut = null;
        bool respawn;
        Exception? startFailure = null;
        lock (_lock)
        {
            if (ReferenceEquals(_slots[worker.Slot], worker))
            {
                _slots[worker.Slot] = null;
            }

            _liveWorkers--;
            if (!worker.IsReady && _state != PoolState.Terminated && !worker.ShutdownRequested && !KilledFromOutside(exitCode, detail))
            {
                _startFailures++;
                if (_startFailures >= MaxStartFailures)
                {
                    startFailure = new WorkerCrashedException(
                        worker.Pid,
                        exitCode,
                        $"it failed to start {_startFailures} times in a row{(detail is null ? "" : $" ({detail})")}; see its output above");
                    _fault ??= startFailure;
                }
            }

            foreach (WorkUnit unit in lost)
            {
                if (unit.IsAbandoned)
                {
                    continue;
                }

                if (worker.TimedOutCallId != 0)
                {
                    // The worker gave up on one call past the task timeout; the calls queued behind it never started.
                    if (unit.CallId == worker.TimedOutCallId)
                    {
                        timedOut = unit;
                    }
                    else
                    {
                        _retries.Enqueue(unit);
                    }

                    continue;
                }

                if (_state != PoolState.Terminated && unit.CrashCount < unit.Task.MaxRetries)
                {
                    unit.CrashCount++;
                    _retries.Enqueue(unit);
                }
                else
                {
                    failed.Add(unit);
                }
            }

            respawn = _fault is null && (_state == PoolState.Running || (_state == PoolState.Closed && HasQueuedWork()));
            CheckAllExited();
        }

        Exception crash = _state == PoolState.Terminated
            ? Terminated()
            : new WorkerCrashedException(worker.Pid, exitCode, detail);
        timedOut?.OnFailed(new TimeoutException(
            $"{timedOut.Task.Name} ran longer than ProcessPoolOptions.TaskTimeout ({TimeSpan.FromMilliseconds(_taskTimeoutMilliseconds * (double)timedOut.Count)} for {timedOut.Count} item(s)) in worker {worker.Pid}, which was stopped and replaced."));
        foreach (WorkUnit unit in failed)
        {
            unit.OnFailed(crash is WorkerCrashedException
                ? new WorkerCrashedException(worker.Pid, exitCode, detail, unit.Task.Name)
                : crash);
        }

        if (startFailure is not null)
        {
            FailQueued(startFailure);
        }

        if (respawn)
        {
            StartWorker(worker.Slot, throwOnError: false);
        }

        Pump();
    }

    /// <summary>
    /// A worker that SIGKILL or SIGTERM stopped without the pool giving a reason was killed by someone else (a user,
    /// the OOM killer): that says nothing about whether workers can start, so it does not count as a failed start.
    /// A broken start shows as an exit code, a crash signal (SIGSEGV, SIGABRT) or the pool's own start timeout.
    /// </summary>
    private static bool KilledFromOutside(int? exitCode, string? detail) =>
        detail is null && exitCode is -LibC.SIGKILL or -LibC.SIGTERM;

    /// <summary>Fails every call still waiting in the queue (the pool was terminated or cannot start workers).</summary>
    private void FailQueued(Exception exception)
    {
        List<IWorkSource> sources;
        List<WorkUnit> retries;
        lock (_lock)
        {
            _fault ??= exception;
            sources = [.. _sources];
            _sources.Clear();
            retries = [.. _retries];
            _retries.Clear();
        }

        foreach (IWorkSource source in sources)
        {
            source.Abort(exception);
        }

        foreach (WorkUnit unit in retries)
        {
            unit.OnFailed(exception);
        }
    }

    private void CheckAllExited()
    {
        if (_state != PoolState.Running && _liveWorkers == 0)
        {
            _stuckWorkerCheck?.Dispose();
            _allExited.TrySetResult();
        }
    }

    /// <summary>
    /// The parent's backstop for <see cref="ProcessPoolOptions.TaskTimeout"/>: a worker stops itself when a call runs
    /// too long, but a worker that cannot run its watchdog (stopped with SIGSTOP, or its thread pool starved) would
    /// hold the call forever. Such a worker is killed one second after its own watchdog should have fired, and its
    /// call fails with the same <see cref="TimeoutException"/>.
    /// </summary>
    private void KillStuckWorkers()
    {
        PoolWorker?[] workers;
        lock (_lock)
        {
            workers = (PoolWorker?[])_slots.Clone();
        }

        foreach (PoolWorker? worker in workers)
        {
            if (worker is not null && worker.TryGetOldestCall(out long callId, out int count, out long runningTicks)
                && runningTicks > WorkerStartInfo.CallBudgetTicks(_taskTimeoutMilliseconds, count, StuckGraceMilliseconds))
            {
                worker.KillTimedOut(callId);
            }
        }
    }

    private static OperationCanceledException Terminated() =>
        new("The process pool was terminated before the call completed.");
}
