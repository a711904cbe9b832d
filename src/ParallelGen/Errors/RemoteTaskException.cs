namespace ParallelGen;

/// <summary>An exception thrown by a task in a worker process, carried back to the caller.</summary>
/// <remarks>
/// The original exception object stays in the worker; what crosses the process boundary is its type name, its message
/// and its stack trace text, shown by <see cref="ToString"/> after the local stack.
/// </remarks>
public sealed class RemoteTaskException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public RemoteTaskException(string remoteTypeName, string message, string remoteStackTrace, string? taskName = null, int workerPid = 0, long? inputIndex = null)
        : base(message)
    {
        RemoteTypeName = remoteTypeName;
        RemoteStackTrace = remoteStackTrace;
        TaskName = taskName;
        WorkerPid = workerPid;
        InputIndex = inputIndex;
    }

    /// <summary>Gets the full name of the exception type thrown in the worker, such as <c>System.InvalidOperationException</c>.</summary>
    public string RemoteTypeName { get; }

    /// <summary>Gets the stack trace of the exception in the worker, followed by its inner exceptions if any.</summary>
    public string RemoteStackTrace { get; }

    /// <summary>Gets the name of the task that threw, such as <c>Demo.Work.Parse(string)</c>, when known.</summary>
    public string? TaskName { get; }

    /// <summary>Gets the process id of the worker where the task ran, or 0 when unknown.</summary>
    public int WorkerPid { get; }

    /// <summary>Gets the position of the failing item in the input of a bulk call (<c>Map</c>, <c>Imap</c>), or <see langword="null"/>.</summary>
    public long? InputIndex { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{GetType().FullName}: {RemoteTypeName}: {Message}{Environment.NewLine}" +
        $"   --- remote stack trace (task {TaskName ?? "?"}{(InputIndex is { } i ? $", input #{i}" : "")}, worker pid {WorkerPid}) ---{Environment.NewLine}" +
        $"{RemoteStackTrace}{Environment.NewLine}" +
        $"   --- local stack trace ---{Environment.NewLine}{StackTrace}";
}
