using System.ComponentModel;

namespace ParallelGen.Dispatch;

/// <summary>
/// Describes a <c>[ProcessTask]</c> method: its wire identity and how a worker invokes it. Instances are emitted by the
/// ParallelGen source generator (one static field per task) and passed to the pool by the generated interceptors.
/// </summary>
/// <remarks>You normally never touch these; they exist so that generated code carries no reflection.</remarks>
public abstract class ProcessTask
{
    private protected ProcessTask(ulong id, string name, bool acceptsCancellation, int maxRetries)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        Id = new TaskId(id);
        Name = name;
        AcceptsCancellation = acceptsCancellation;
        MaxRetries = maxRetries;
    }

    /// <summary>Gets the task's wire identity.</summary>
    public TaskId Id { get; }

    /// <summary>Gets a readable name such as <c>Demo.Work.Add(int, long)</c>, used in errors and logs.</summary>
    public string Name { get; }

    /// <summary>Gets whether the method takes a trailing <see cref="CancellationToken"/>.</summary>
    public bool AcceptsCancellation { get; }

    /// <summary>Gets how often a call is retried after a worker crash (<see cref="ProcessTaskAttribute.MaxRetries"/>).</summary>
    public int MaxRetries { get; }

    /// <summary>Creates the descriptor of a synchronous task.</summary>
    /// <remarks>For generated code only: the analyzer reports a call anywhere else as error PG0110, because a hand-made descriptor has no entry in the workers' dispatch table.</remarks>
    /// <typeparam name="TArgs">The argument: the single parameter, a value tuple of the parameters, or <see cref="Unit"/>.</typeparam>
    /// <typeparam name="TResult">The return type, or <see cref="Unit"/> for <see langword="void"/>.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static ProcessTask<TArgs, TResult> Create<TArgs, TResult>(
        ulong id,
        string name,
        Func<TArgs, CancellationToken, TResult> body,
        bool acceptsCancellation = false,
        int maxRetries = 0) =>
        new(id, name, body, null, acceptsCancellation, maxRetries);

    /// <summary>Creates the descriptor of an asynchronous task, which the worker awaits.</summary>
    /// <remarks>For generated code only: the analyzer reports a call anywhere else as error PG0110, because a hand-made descriptor has no entry in the workers' dispatch table.</remarks>
    /// <typeparam name="TArgs">The argument: the single parameter, a value tuple of the parameters, or <see cref="Unit"/>.</typeparam>
    /// <typeparam name="TResult">The awaited result type, or <see cref="Unit"/> for <see cref="Task"/>.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static ProcessTask<TArgs, TResult> CreateAsync<TArgs, TResult>(
        ulong id,
        string name,
        Func<TArgs, CancellationToken, ValueTask<TResult>> body,
        bool acceptsCancellation = false,
        int maxRetries = 0) =>
        new(id, name, null, body, acceptsCancellation, maxRetries);

    /// <summary>Runs a <c>Run</c> frame's items in the worker and writes the <c>Done</c> frame.</summary>
    internal abstract void Execute(ITaskInvocation call);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
