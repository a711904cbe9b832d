namespace ParallelGen.Backends;

/// <summary>How a worker ended.</summary>
/// <param name="ExitCode">The exit code, or minus the signal number when a signal killed it; <see langword="null"/> if unknown.</param>
/// <param name="Detail">Why, when the channel knows more: a protocol error, the worker's last words, the reason it was killed.</param>
/// <param name="KilledFromOutside">
/// Whether someone other than ParallelGen killed it (a user, the OOM killer): that says nothing about whether workers
/// can start, so it does not count as a failed start.
/// </param>
/// <param name="LastStartedRunId">
/// The last run the worker took up (to run or to skip), if the backend knows: the runs sent after it never started.
/// <see langword="null"/> when unknown; then every run the worker held may have started.
/// </param>
/// <param name="LastBegunRunId">
/// The last run whose task code began (its arguments read), if the backend knows: a run taken up after it died while
/// its arguments were read, before the task did anything. <see langword="null"/> when unknown; then a run taken up began.
/// </param>
internal readonly record struct WorkerExit(int? ExitCode, string? Detail, bool KilledFromOutside, long? LastStartedRunId = null, long? LastBegunRunId = null);
