namespace ParallelGen;

/// <summary>An exception thrown by a task in a worker process, carried back to the caller.</summary>
/// <remarks>
/// <para>The original exception object stays in the worker; what crosses the process boundary is its type name, the
/// names of its base types, its message and its stack trace text, shown by <see cref="ToString"/> after the local
/// stack.</para>
/// <para>To handle a kind of failure, as Python's <c>except ValueError:</c> does, test the remote type:
/// <c>catch (RemoteTaskException e) when (e.RemoteIs&lt;ArgumentException&gt;())</c> matches a task that threw an
/// <see cref="ArgumentException"/> or any type derived from it, the application's own types included. When the remote
/// type is, or derives from, a well-known .NET exception type (argument, operation, format, cast, arithmetic, I/O,
/// timeout, cancellation, key and index errors; see <see cref="System.Exception.InnerException"/>), an instance of that
/// type with the remote message is re-created as <see cref="System.Exception.InnerException"/>, so
/// <c>when (e.InnerException is FormatException)</c> works too.</para>
/// </remarks>
public sealed class RemoteTaskException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="remoteTypeName">The full name of the exception type thrown in the worker.</param>
    /// <param name="message">The remote exception's message.</param>
    /// <param name="remoteStackTrace">The remote stack trace text.</param>
    /// <param name="taskName">The task that threw, when known.</param>
    /// <param name="workerPid">The worker's process id, or 0.</param>
    /// <param name="inputIndex">The failing item's position in a bulk call's input.</param>
    /// <param name="remoteBaseTypeNames">The full names of the remote type's base types, nearest first.</param>
    public RemoteTaskException(
        string remoteTypeName,
        string message,
        string remoteStackTrace,
        string? taskName = null,
        int workerPid = 0,
        long? inputIndex = null,
        IReadOnlyList<string>? remoteBaseTypeNames = null)
        : base(message, WellKnownExceptions.Recreate(remoteTypeName, remoteBaseTypeNames, message))
    {
        RemoteTypeName = remoteTypeName;
        RemoteBaseTypeNames = remoteBaseTypeNames ?? [];
        RemoteStackTrace = remoteStackTrace;
        TaskName = taskName;
        WorkerPid = workerPid;
        InputIndex = inputIndex;
    }

    /// <summary>Gets the full name of the exception type thrown in the worker, such as <c>System.InvalidOperationException</c>.</summary>
    public string RemoteTypeName { get; }

    /// <summary>Gets the full names of the remote exception type's base types, nearest first, <c>System.Exception</c> last.</summary>
    public IReadOnlyList<string> RemoteBaseTypeNames { get; }

    /// <summary>Gets the stack trace of the exception in the worker, followed by its inner exceptions if any.</summary>
    public string RemoteStackTrace { get; }

    /// <summary>Gets the name of the task that threw, such as <c>Demo.Work.Parse(string)</c>, when known.</summary>
    public string? TaskName { get; }

    /// <summary>Gets the process id of the worker where the task ran, or 0 when unknown.</summary>
    public int WorkerPid { get; }

    /// <summary>Gets the position of the failing item in the input of a bulk call (<c>Map</c>, <c>Imap</c>), or <see langword="null"/>.</summary>
    public long? InputIndex { get; }

    /// <summary>
    /// Gets whether the task threw a <typeparamref name="TException"/>: that type or one derived from it (Python's
    /// <c>except TException:</c>). Compares type names, so it works for any type, the application's own included.
    /// </summary>
    /// <typeparam name="TException">The exception type to test for.</typeparam>
    /// <example><code>catch (RemoteTaskException e) when (e.RemoteIs&lt;ArgumentException&gt;()) { ... }</code></example>
    public bool RemoteIs<TException>()
        where TException : Exception
    {
        string? name = typeof(TException).FullName;
        if (name is null)
        {
            return false;
        }

        if (RemoteTypeName == name)
        {
            return true;
        }

        foreach (string baseName in RemoteBaseTypeNames)
        {
            if (baseName == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{GetType().FullName}: {RemoteTypeName}: {Message}{Environment.NewLine}" +
        $"   --- remote stack trace (task {TaskName ?? "?"}{(InputIndex is { } i ? $", input #{i}" : "")}, worker pid {WorkerPid}) ---{Environment.NewLine}" +
        $"{RemoteStackTrace}{Environment.NewLine}" +
        $"   --- local stack trace ---{Environment.NewLine}{StackTrace}";
}
