using ParallelGen.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Protocol;
using ParallelGen.Serialization;
using ParallelGen.Transport;

namespace ParallelGen.Pool;

/// <summary>One <c>Apply</c>/<c>ApplyAsync</c> call: its own source (taken once) and its own unit.</summary>
internal sealed class ApplyCall<TArgs, TResult> : WorkUnit, IWorkSource
{
    private readonly ProcessTask<TArgs, TResult> _task;
    private readonly TArgs _args;
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<TResult>? _callback;
    private readonly Action<Exception>? _errorCallback;
    private readonly CallbackQueue? _callbacks;
    private readonly CallTelemetry? _telemetry;
    private CancellationTokenRegistration _registration;
    private bool _taken;
    private int _finished;

    /// <param name="task">The task.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="callback">Runs with the result before it is ready, if given.</param>
    /// <param name="errorCallback">Runs with the error before it is ready, if given.</param>
    /// <param name="callbacks">The pool's queue that runs callbacks one at a time in completion order; <see langword="null"/> to run them on the thread pool.</param>
    /// <param name="telemetry">The call's counters and span, while someone listens.</param>
    public ApplyCall(ProcessTask<TArgs, TResult> task, TArgs args, Action<TResult>? callback, Action<Exception>? errorCallback, CallbackQueue? callbacks, CallTelemetry? telemetry = null)
    {
        _telemetry = telemetry;
        _task = task;
        _args = args;
        _callback = callback;
        _errorCallback = errorCallback;
        _callbacks = callbacks;
    }

    public Task<TResult> Completion => _completion.Task;

    public override ProcessTask Task => _task;

    public override CallTelemetry? Telemetry => _telemetry;

    public override int Count => 1;

    public override bool StopOnError => true;

    public override bool IsAbandoned => Volatile.Read(ref _finished) != 0;

    public bool IsDrained => _taken || IsAbandoned;

    /// <summary>Cancels the call when <paramref name="cancellationToken"/> fires: dropped if queued, stopped if running.</summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((ApplyCall<TArgs, TResult>)state!).Cancel(token),
                this);
        }
    }

    public WorkUnit? TryTake(int maxItems)
    {
        if (_taken || IsAbandoned)
        {
            return null;
        }

        _taken = true;
        return this;
    }

    public override void WriteArguments(FrameBuffer buffer) => Payload.WriteSpan(buffer, new ReadOnlySpan<TArgs>(in _args));

    public override void OnDone(in DoneFrame done)
    {
        if (done.Errors is { Count: > 0 } errors)
        {
            Fail(done.ToException(errors[0], _task.Name));
            return;
        }

        if (done.Cancelled)
        {
            // Only sent after our own Cancel, which already completed the call.
            return;
        }

        TResult result = default!;
        Payload.ReadSpan(done.Results, new Span<TResult>(ref result));
        Succeed(result);
    }

    public override void OnFailed(Exception exception) => Fail(exception);

    public void Abort(Exception exception) => Fail(exception);

    private void Cancel(CancellationToken token)
    {
        if (!TryFinish())
        {
            return;
        }

        _telemetry?.Cancelled();
        if (_taken)
        {
            CancelRun();
        }

        _completion.TrySetCanceled(token);
    }

    private void Succeed(TResult result)
    {
        if (!TryFinish())
        {
            return;
        }

        _telemetry?.Succeeded();
        if (_callback is null)
        {
            _completion.TrySetResult(result);
            return;
        }

        // As in Python, the callback runs in the parent before the result is ready, so Get() returns after it. It runs
        // on the pool's callback queue (or the thread pool), never on the reader thread, so a slow callback cannot
        // stall the worker; the queue keeps the results' order and runs one callback at a time.
        Run(static state =>
        {
            (ApplyCall<TArgs, TResult> call, TResult value) = ((ApplyCall<TArgs, TResult>, TResult))state!;
            try
            {
                call._callback!(value);
                call._completion.TrySetResult(value);
            }
            catch (Exception e)
            {
                call._completion.TrySetException(e);
            }
        }, (this, result));
    }

    private void Fail(Exception exception)
    {
        if (!TryFinish())
        {
            return;
        }

        _telemetry?.Failed(exception);
        if (_errorCallback is null)
        {
            SetException(exception);
            return;
        }

        Run(static state =>
        {
            (ApplyCall<TArgs, TResult> call, Exception error) = ((ApplyCall<TArgs, TResult>, Exception))state!;
            try
            {
                call._errorCallback!(error);
                call.SetException(error);
            }
            catch (Exception e)
            {
                // As with the callback: what the error callback throws fails the result, never the process.
                call.SetException(e);
            }
        }, (this, exception));
    }

    private void Run(Action<object?> callback, object state)
    {
        if (_callbacks is not null)
        {
            _callbacks.Post(callback, state);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(callback, state, preferLocal: false);
        }
    }

    // A terminated pool fails calls with an OperationCanceledException that keeps its message, rather than a bare
    // "A task was canceled"; only the caller's own token produces a canceled task.
    private void SetException(Exception exception) => _completion.TrySetException(exception);

    private bool TryFinish()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return false;
        }

        _registration.Dispose();
        return true;
    }
}
