using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ParallelGen.Extensions.Hosting;

/// <summary>
/// One pool registered with <c>AddProcessPool</c>: creates it when the host starts (or when first resolved, if that is
/// earlier), logs what its workers do, and closes it gracefully once the host has stopped every hosted service.
/// </summary>
/// <remarks>
/// The pool is closed in <see cref="StoppedAsync"/>, after every hosted service's <c>StopAsync</c>, so that a
/// background service can use it until it stops, wherever it was registered. The token the host passes there is
/// cancelled when its <c>HostOptions.ShutdownTimeout</c> has passed; then the pool is terminated.
/// </remarks>
internal sealed partial class ProcessPoolService : IHostedLifecycleService, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly IOptionsMonitor<ProcessPoolOptions> _options;
    private readonly string _optionsName;
    private readonly ILogger _logger;
    private ProcessPool? _pool;
    private ServiceState _state;
    private Exception? _fault;

    public ProcessPoolService(string optionsName, IOptionsMonitor<ProcessPoolOptions> options, ILoggerFactory loggerFactory)
    {
        _optionsName = optionsName;
        _options = options;
        _logger = loggerFactory.CreateLogger("ParallelGen.ProcessPool");
    }

    private enum ServiceState
    {
        NotStarted,
        Running,
        Stopping,
        Stopped,
    }

    /// <summary>Gets the pool, starting it on first use.</summary>
    /// <exception cref="ObjectDisposedException">The host has stopped the pool.</exception>
    public ProcessPool Pool
    {
        get
        {
            lock (_lock)
            {
                if (_pool is not null)
                {
                    return _pool;
                }

                ObjectDisposedException.ThrowIf(_state == ServiceState.Stopped, typeof(ProcessPool));
                _pool = Create();
                _state = ServiceState.Running;
                return _pool;
            }
        }
    }

    /// <summary>Gets what the health check reports: the pool (if started), whether it is running, and its fault.</summary>
    internal (ProcessPool? Pool, bool Running, Exception? Fault) Status
    {
        get
        {
            lock (_lock)
            {
                return (_pool, _state == ServiceState.Running, _fault);
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Pool;
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        ProcessPool? pool;
        lock (_lock)
        {
            pool = _pool;
            _state = pool is null ? ServiceState.Stopped : ServiceState.Stopping;
        }

        if (pool is null)
        {
            return;
        }

        LogClosing(_logger, pool.Name);
        long started = Stopwatch.GetTimestamp();
        pool.Close();
        try
        {
            await pool.JoinAsync(cancellationToken).ConfigureAwait(false);
            LogClosed(_logger, pool.Name, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogTerminating(_logger, pool.Name, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            pool.Dispose();
        }
        finally
        {
            lock (_lock)
            {
                _state = ServiceState.Stopped;
            }
        }
    }

    /// <summary>Terminates the pool if the host never stopped it (the container is disposed without a graceful stop).</summary>
    public ValueTask DisposeAsync()
    {
        ProcessPool? pool;
        lock (_lock)
        {
            pool = _pool;
            _state = ServiceState.Stopped;
        }

        pool?.Dispose();
        return ValueTask.CompletedTask;
    }

    private ProcessPool Create()
    {
        ProcessPoolOptions options = _options.Get(_optionsName);
        ProcessPool pool;
        try
        {
            pool = new ProcessPool(options);
        }
        catch (Exception e)
        {
            LogStartFailed(_logger, options.Name ?? ProcessPoolOptions.DefaultName, e);
            throw;
        }

        pool.WorkerStarted += OnWorkerStarted;
        pool.WorkerExited += OnWorkerExited;
        pool.HealthChanged += OnHealthChanged;
        LogStarted(_logger, pool.Name, pool.Processes);
        return pool;
    }

    private void OnWorkerStarted(object? sender, WorkerStartedEventArgs e)
    {
        string pool = ((ProcessPool)sender!).Name;
        if (e.Reason == WorkerStartReason.Restart)
        {
            LogWorkerRestarted(_logger, pool, e.WorkerPid);
        }
        else
        {
            LogWorkerStarted(_logger, pool, e.WorkerPid, e.Reason);
        }
    }

    private void OnWorkerExited(object? sender, WorkerExitedEventArgs e)
    {
        string pool = ((ProcessPool)sender!).Name;
        switch (e.Reason)
        {
            case WorkerExitReason.Crashed:
                LogWorkerCrashed(_logger, pool, e.WorkerPid, e.ExitCode, e.Detail, e.FailedCalls, e.RetriedCalls, e.Replaced);
                break;
            case WorkerExitReason.TimedOut:
                LogWorkerTimedOut(_logger, pool, e.WorkerPid, e.TaskName, e.FailedCalls, e.RetriedCalls, e.Replaced);
                break;
            case WorkerExitReason.StartFailed:
                LogWorkerStartFailed(_logger, pool, e.WorkerPid, e.ExitCode, e.Detail);
                break;
            default:
                LogWorkerExited(_logger, pool, e.WorkerPid, e.Reason, e.ExitCode);
                break;
        }
    }

    private void OnHealthChanged(object? sender, PoolHealthChangedEventArgs e)
    {
        lock (_lock)
        {
            _fault = e.Health == PoolHealth.Unavailable ? e.Cause : null;
        }

        string pool = ((ProcessPool)sender!).Name;
        switch (e.Health)
        {
            case PoolHealth.Unavailable:
                LogUnavailable(_logger, pool, e.Cause);
                break;
            case PoolHealth.Degraded:
                LogDegraded(_logger, pool, e.Cause);
                break;
            default:
                LogRecovered(_logger, pool);
                break;
        }
    }

    [LoggerMessage(EventId = 1, EventName = "PoolStarted", Level = LogLevel.Information,
        Message = "Process pool {PoolName} started with {Processes} worker processes")]
    private static partial void LogStarted(ILogger logger, string poolName, int processes);

    [LoggerMessage(EventId = 2, EventName = "PoolStartFailed", Level = LogLevel.Critical,
        Message = "Process pool {PoolName} could not start")]
    private static partial void LogStartFailed(ILogger logger, string poolName, Exception exception);

    [LoggerMessage(EventId = 3, EventName = "WorkerStarted", Level = LogLevel.Debug,
        Message = "Process pool {PoolName} started worker process {WorkerPid} ({Reason})")]
    private static partial void LogWorkerStarted(ILogger logger, string poolName, int workerPid, WorkerStartReason reason);

    [LoggerMessage(EventId = 4, EventName = "WorkerRestarted", Level = LogLevel.Information,
        Message = "Process pool {PoolName} started worker process {WorkerPid} to replace one that died, timed out or failed to start")]
    private static partial void LogWorkerRestarted(ILogger logger, string poolName, int workerPid);

    [LoggerMessage(EventId = 5, EventName = "WorkerCrashed", Level = LogLevel.Error,
        Message = "Worker process {WorkerPid} of process pool {PoolName} crashed (exit code {ExitCode}: {Detail}); {FailedCalls} calls failed, {RetriedCalls} were queued again, replaced: {Replaced}")]
    private static partial void LogWorkerCrashed(ILogger logger, string poolName, int workerPid, int? exitCode, string? detail, int failedCalls, int retriedCalls, bool replaced);

    [LoggerMessage(EventId = 6, EventName = "WorkerTimedOut", Level = LogLevel.Warning,
        Message = "A call of task {TaskName} in worker process {WorkerPid} of process pool {PoolName} ran past the task timeout and the worker was stopped; {FailedCalls} calls failed, {RetriedCalls} were queued again, replaced: {Replaced}")]
    private static partial void LogWorkerTimedOut(ILogger logger, string poolName, int workerPid, string? taskName, int failedCalls, int retriedCalls, bool replaced);

    [LoggerMessage(EventId = 7, EventName = "WorkerStartFailed", Level = LogLevel.Warning,
        Message = "Worker process {WorkerPid} of process pool {PoolName} failed to start (exit code {ExitCode}: {Detail})")]
    private static partial void LogWorkerStartFailed(ILogger logger, string poolName, int workerPid, int? exitCode, string? detail);

    [LoggerMessage(EventId = 8, EventName = "WorkerExited", Level = LogLevel.Debug,
        Message = "Worker process {WorkerPid} of process pool {PoolName} exited ({Reason}, exit code {ExitCode})")]
    private static partial void LogWorkerExited(ILogger logger, string poolName, int workerPid, WorkerExitReason reason, int? exitCode);

    [LoggerMessage(EventId = 9, EventName = "PoolUnavailable", Level = LogLevel.Critical,
        Message = "Process pool {PoolName} has no worker process and cannot start one; its calls fail until a worker starts (it keeps trying)")]
    private static partial void LogUnavailable(ILogger logger, string poolName, Exception? exception);

    [LoggerMessage(EventId = 13, EventName = "PoolDegraded", Level = LogLevel.Warning,
        Message = "Process pool {PoolName} could not start a worker process and serves with the workers it has while it keeps trying")]
    private static partial void LogDegraded(ILogger logger, string poolName, Exception? exception);

    [LoggerMessage(EventId = 14, EventName = "PoolRecovered", Level = LogLevel.Information,
        Message = "Process pool {PoolName} has all its worker processes again")]
    private static partial void LogRecovered(ILogger logger, string poolName);

    [LoggerMessage(EventId = 10, EventName = "PoolClosing", Level = LogLevel.Information,
        Message = "Closing process pool {PoolName}: its queued and running calls finish first")]
    private static partial void LogClosing(ILogger logger, string poolName);

    [LoggerMessage(EventId = 11, EventName = "PoolClosed", Level = LogLevel.Information,
        Message = "Process pool {PoolName} closed gracefully in {ElapsedMilliseconds} ms")]
    private static partial void LogClosed(ILogger logger, string poolName, long elapsedMilliseconds);

    [LoggerMessage(EventId = 12, EventName = "PoolTerminated", Level = LogLevel.Warning,
        Message = "Process pool {PoolName} had not finished its calls when the host's shutdown timeout passed ({ElapsedMilliseconds} ms); its workers were terminated and its unfinished calls cancelled")]
    private static partial void LogTerminating(ILogger logger, string poolName, long elapsedMilliseconds);
}
