using System.Buffers;
using System.Runtime.CompilerServices;
using ParallelGen.Serialization;

namespace ParallelGen.Dispatch;

/// <summary>A <see cref="ProcessTask"/> with its argument and result types.</summary>
/// <typeparam name="TArgs">The argument: the single parameter, a value tuple of the parameters, or <see cref="Unit"/>.</typeparam>
/// <typeparam name="TResult">The result, or <see cref="Unit"/> for tasks that return nothing.</typeparam>
public sealed class ProcessTask<TArgs, TResult> : ProcessTask
{
    private readonly Func<TArgs, CancellationToken, TResult>? _body;
    private readonly Func<TArgs, CancellationToken, ValueTask<TResult>>? _asyncBody;

    internal ProcessTask(
        ulong id,
        string name,
        Func<TArgs, CancellationToken, TResult>? body,
        Func<TArgs, CancellationToken, ValueTask<TResult>>? asyncBody,
        bool acceptsCancellation,
        int maxRetries)
        : base(id, name, acceptsCancellation, maxRetries)
    {
        if ((body is null) == (asyncBody is null))
        {
            throw new ArgumentException("Exactly one of the synchronous and asynchronous bodies must be given.");
        }

        _body = body;
        _asyncBody = asyncBody;
    }

    /// <summary>Runs the task in the current process. Used by workers and by in-process tests of generated code.</summary>
    public TResult Invoke(TArgs args, CancellationToken cancellationToken = default)
    {
        if (_body is not null)
        {
            return _body(args, cancellationToken);
        }

        ValueTask<TResult> pending = _asyncBody!(args, cancellationToken);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    internal override void Execute(ITaskInvocation call)
    {
        int count = call.Count;
        TArgs[] args = ArrayPool<TArgs>.Shared.Rent(Math.Max(count, 1));
        TResult[] results = ArrayPool<TResult>.Shared.Rent(Math.Max(count, 1));
        try
        {
            Span<TArgs> argSpan = args.AsSpan(0, count);
            try
            {
                Payload.ReadSpan(call.Arguments, argSpan);
            }
            catch (Exception e)
            {
                call.FailAll(new InvalidDataException($"The arguments of {Name} could not be deserialized: {e.Message}", e));
                return;
            }

            call.ReleaseArguments();

            int done = 0;
            int nextCheck = 1;
            CancellationToken token = call.CancellationToken;
            while (done < count)
            {
                if (token.IsCancellationRequested)
                {
                    call.MarkCancelled();
                    break;
                }

                try
                {
                    results[done] = Invoke(argSpan[done], token);
                }
                catch (Exception e)
                {
                    results[done] = default!;
                    call.AddError(done, e);
                    if (call.StopOnError)
                    {
                        done++;
                        break;
                    }
                }

                // One comparison per item; the invocation decides, every so many items, whether to stream results out.
                if (++done == nextCheck && done < count)
                {
                    nextCheck = done + call.ItemsFinished<TResult>(results.AsSpan(0, done));
                }
            }

            call.Complete(results.AsSpan(0, done));
        }
        finally
        {
            ArrayPool<TArgs>.Shared.Return(args, RuntimeHelpers.IsReferenceOrContainsReferences<TArgs>());
            ArrayPool<TResult>.Shared.Return(results, RuntimeHelpers.IsReferenceOrContainsReferences<TResult>());
        }
    }
}
