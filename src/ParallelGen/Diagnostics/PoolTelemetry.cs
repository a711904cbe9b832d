using System.Diagnostics;
using System.Diagnostics.Metrics;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;

namespace ParallelGen.Diagnostics;

/// <summary>
/// What one pool reports: its instruments' measurements tagged with its name, its spans, and the public worker and
/// fault events of <see cref="ProcessPool"/>. The scheduler and the process backend call it where they decide things.
/// </summary>
/// <remarks>
/// Events go to <see cref="Post"/>, the pool's serial callback queue, so that handlers run in order, outside every lock
/// and never on a worker's reader thread. The observable instruments read the pool through the probes given to
/// <see cref="Observe"/>, which take the scheduler's lock; the registry's own lock is never held while they run.
/// </remarks>
internal sealed class PoolTelemetry
{
    private static readonly List<WeakReference<PoolTelemetry>> s_observed = [];

    private readonly KeyValuePair<string, object?> _poolTag;
    private Func<long>? _queuedItems;
    private Func<int>? _aliveWorkers;
    private WeakReference<PoolTelemetry>? _registration;

    public PoolTelemetry(string name)
    {
        Name = name;
        _poolTag = new(ParallelGenDiagnostics.PoolNameTag, name);
    }

    /// <summary>Gets the pool's name (<see cref="ProcessPoolOptions.Name"/>).</summary>
    public string Name { get; }

    /// <summary>Gets or sets the sender of the public events: the pool.</summary>
    public object? Sender { get; set; }

    /// <summary>Gets or sets where event handlers run: the pool's callback queue. Until set, events are not raised.</summary>
    public Action<Action<object?>, object?>? Post { get; set; }

    /// <summary>The public <see cref="ProcessPool.WorkerStarted"/> event's handlers.</summary>
    public event EventHandler<WorkerStartedEventArgs>? WorkerStartedHandlers;

    /// <summary>The public <see cref="ProcessPool.WorkerExited"/> event's handlers.</summary>
    public event EventHandler<WorkerExitedEventArgs>? WorkerExitedHandlers;

    /// <summary>Makes the pool's queue and workers visible to the observable instruments, until <see cref="Unregister"/>.</summary>
    public void Observe(Func<long> queuedItems, Func<int> aliveWorkers)
    {
        _queuedItems = queuedItems;
        _aliveWorkers = aliveWorkers;
        lock (s_observed)
        {
            s_observed.RemoveAll(w => !w.TryGetTarget(out _));
            _registration = new WeakReference<PoolTelemetry>(this);
            s_observed.Add(_registration);
        }
    }

    /// <summary>Stops reporting the pool's queue and workers: every worker has exited.</summary>
    public void Unregister()
    {
        lock (s_observed)
        {
            if (_registration is not null)
            {
                s_observed.Remove(_registration);
                _registration = null;
            }
        }
    }

    /// <summary>Starts the telemetry of one call, or returns <see langword="null"/> if nobody listens.</summary>
    public CallTelemetry? CallStarted(string shape, ProcessTask task, int? items = null) =>
        Telemetry.CallsObserved ? new CallTelemetry(this, shape, task, items) : null;

    /// <summary>Starts the span of one run (a call or a chunk) about to be sent to worker <paramref name="workerId"/>.</summary>
    /// <returns>The span, or <see langword="null"/> if nobody listens.</returns>
    public Activity? RunSent(CallTelemetry? call, ProcessTask task, long runId, int items, int workerId)
    {
        if (!Telemetry.Source.HasListeners())
        {
            return null;
        }

        Activity? run = Telemetry.StartDetached("ParallelGen.Run", ActivityKind.Client, call?.Context ?? default);
        if (run is not null)
        {
            run.DisplayName = $"run {task.Name}";
            if (run.IsAllDataRequested)
            {
                run.SetTag(ParallelGenDiagnostics.PoolNameTag, Name);
                run.SetTag(ParallelGenDiagnostics.TaskNameTag, task.Name);
                run.SetTag(Telemetry.RunIdTag, runId);
                run.SetTag(Telemetry.ItemsTag, items);
                run.SetTag(Telemetry.WorkerIdTag, workerId);
            }
        }

        return run;
    }

    /// <summary>Records a worker's answer to a run: the time it took, and the end of the run's span.</summary>
    public void RunAnswered(ProcessTask task, Activity? run, in DoneFrame done)
    {
        if (Telemetry.TaskDuration.Enabled)
        {
            Telemetry.TaskDuration.Record(Telemetry.Seconds(done.ElapsedTicks), _poolTag, new(ParallelGenDiagnostics.TaskNameTag, task.Name));
        }

        if (run is not null)
        {
            if (done.Errors is { Count: > 0 } errors)
            {
                Telemetry.Stop(run, "remote_exception", $"{errors[0].TypeName}: {errors[0].Message}");
            }
            else
            {
                Telemetry.Stop(run, done.Cancelled ? "cancelled" : null);
            }
        }
    }

    /// <summary>Ends the span of a run that got no answer: its worker died or timed out, or the run could not be sent.</summary>
    /// <param name="run">The run's span, if it has one.</param>
    /// <param name="errorType">Its <c>error.type</c>: <c>worker_crashed</c>, <c>timeout</c>, or an exception's type.</param>
    /// <param name="message">The error's description, if known.</param>
    public static void RunLost(Activity? run, string errorType, string? message = null)
    {
        if (run is not null)
        {
            Telemetry.Stop(run, errorType, message);
        }
    }

    /// <summary>
    /// Ends the span of a run its worker gave back unstarted (the pool took it back for an idle worker): no error, a
    /// <c>parallelgen.run.withdrawn</c> tag, and the run goes on under a new span where it is sent next.
    /// </summary>
    public static void RunWithdrawn(Activity? run)
    {
        if (run is not null)
        {
            run.SetTag(Telemetry.WithdrawnTag, true);
            Telemetry.Stop(run);
        }
    }

    /// <summary>Records that a worker was launched.</summary>
    public void WorkerStarted(int workerId, WorkerStartReason reason)
    {
        if (Telemetry.WorkerStarts.Enabled)
        {
            Telemetry.WorkerStarts.Add(1, _poolTag, new(Telemetry.StartReasonTag, StartReasonName(reason)));
        }

        if (WorkerStartedHandlers is { } handlers)
        {
            Raise(handlers, new WorkerStartedEventArgs(workerId, reason));
        }
    }

    /// <summary>Records that a worker exited, and why.</summary>
    public void WorkerExited(WorkerExitedEventArgs exit)
    {
        if (Telemetry.WorkerExits.Enabled)
        {
            Telemetry.WorkerExits.Add(1, _poolTag, new(Telemetry.ExitReasonTag, ExitReasonName(exit.Reason)));
        }

        Raise(WorkerExitedHandlers, exit);
    }

    /// <summary>Records the bytes of one frame between the pool and a worker.</summary>
    public void Transferred(bool sent, bool sharedMemory, long bytes)
    {
        if (Telemetry.TransportBytes.Enabled)
        {
            Telemetry.TransportBytes.Add(
                bytes,
                _poolTag,
                new(Telemetry.DirectionTag, sent ? "transmit" : "receive"),
                new(Telemetry.PathTag, sharedMemory ? "shared_memory" : "pipe"));
        }
    }

    internal KeyValuePair<string, object?> PoolTag => _poolTag;

    internal static IEnumerable<Measurement<long>> ObserveQueuedItems() => ObserveByName(static pool => pool._queuedItems?.Invoke());

    internal static IEnumerable<Measurement<int>> ObserveAliveWorkers() =>
        ObserveByName(static pool => (long?)pool._aliveWorkers?.Invoke()).Select(static m => new Measurement<int>((int)m.Value, m.Tags));

    /// <summary>One measurement per pool name: pools that share a name are reported together, as their sum.</summary>
    private static List<Measurement<long>> ObserveByName(Func<PoolTelemetry, long?> probe)
    {
        Dictionary<string, (long Sum, KeyValuePair<string, object?> Tag)> byName = [];
        foreach (PoolTelemetry pool in Observed())
        {
            if (probe(pool) is { } value)
            {
                byName[pool.Name] = byName.TryGetValue(pool.Name, out var seen) ? (seen.Sum + value, seen.Tag) : (value, pool._poolTag);
            }
        }

        return [.. byName.Values.Select(static v => new Measurement<long>(v.Sum, v.Tag))];
    }

    private static List<PoolTelemetry> Observed()
    {
        List<PoolTelemetry> pools = [];
        lock (s_observed)
        {
            foreach (WeakReference<PoolTelemetry> weak in s_observed)
            {
                if (weak.TryGetTarget(out PoolTelemetry? pool))
                {
                    pools.Add(pool);
                }
            }
        }

        return pools;
    }

    private static string StartReasonName(WorkerStartReason reason) => reason switch
    {
        WorkerStartReason.Initial => "initial",
        WorkerStartReason.Restart => "restart",
        WorkerStartReason.Recycle => "recycle",
        _ => "_OTHER",
    };

    private static string ExitReasonName(WorkerExitReason reason) => reason switch
    {
        WorkerExitReason.Shutdown => "shutdown",
        WorkerExitReason.Recycled => "recycled",
        WorkerExitReason.Crashed => "crashed",
        WorkerExitReason.TimedOut => "timed_out",
        WorkerExitReason.StartFailed => "start_failed",
        WorkerExitReason.Terminated => "terminated",
        _ => "_OTHER",
    };

    private void Raise<TArgs>(EventHandler<TArgs>? handlers, TArgs args)
        where TArgs : EventArgs
    {
        if (handlers is null || Post is not { } post)
        {
            return;
        }

        post(
            static state =>
            {
                (object? sender, EventHandler<TArgs> all, TArgs e) = ((object?, EventHandler<TArgs>, TArgs))state!;
                foreach (EventHandler<TArgs> handler in all.GetInvocationList().Cast<EventHandler<TArgs>>())
                {
                    try
                    {
                        handler(sender, e);
                    }
                    catch (Exception exception)
                    {
                        // A handler that throws must stop neither the pool's callback queue nor the handlers after it.
                        Trace.TraceError($"A handler of a ParallelGen pool event threw: {exception}");
                    }
                }
            },
            (Sender, handlers, args));
    }
}
