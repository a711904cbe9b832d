namespace ParallelGen.Dispatch;

/// <summary>
/// One call as a task sees it while it runs: its serialized arguments, its token, and where its outcome goes. The
/// worker implements it for a <c>Run</c> frame; <see cref="ProcessTask.Execute"/> depends on nothing else.
/// </summary>
internal interface ITaskInvocation
{
    /// <summary>Gets the number of items (task invocations) in the call.</summary>
    int Count { get; }

    /// <summary>Gets whether the call stops at the first item that throws.</summary>
    bool StopOnError { get; }

    /// <summary>Gets the MemoryPack span of arguments, one per item, until <see cref="ReleaseArguments"/>.</summary>
    ReadOnlySpan<byte> Arguments { get; }

    /// <summary>Gets the token that fires when the parent cancels the call.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>
    /// Says the arguments have been deserialized, so the memory that holds them may be reused, and that the task's code
    /// begins: a worker that dies before this did nothing with the call.
    /// </summary>
    void ReleaseArguments();

    /// <summary>Records that item <paramref name="itemIndex"/> threw.</summary>
    void AddError(int itemIndex, Exception exception);

    /// <summary>Records that the call stopped early because it was cancelled.</summary>
    void MarkCancelled();

    /// <summary>Fails every item with the same error (arguments that do not deserialize, an unknown task).</summary>
    void FailAll(Exception exception);

    /// <summary>
    /// Called by the task's loop after the first item, and then whenever as many more items have finished as the last
    /// call returned: may hand the results so far to the parent while the rest of the call runs (one item at a time
    /// when items are slow, batches a few milliseconds apart when they are quick).
    /// </summary>
    /// <param name="finished">The results of every item finished so far (those of failed items hold their default).</param>
    /// <returns>How many more items to run before the next call; at least 1.</returns>
    int ItemsFinished<TResult>(ReadOnlySpan<TResult> finished);

    /// <summary>Delivers the results of the items that ran, in order (all of them: those already handed over are skipped).</summary>
    void Complete<TResult>(ReadOnlySpan<TResult> results);
}
