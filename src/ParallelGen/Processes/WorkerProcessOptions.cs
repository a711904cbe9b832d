namespace ParallelGen;

/// <summary>Settings of a <see cref="WorkerProcess"/>.</summary>
public sealed class WorkerProcessOptions
{
    /// <summary>Gets or sets the process's name; default <c>WorkerProcess-N</c>, numbered from 1 per parent process.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets whether the process is a daemon: killed when the parent exits. A non-daemon process (the default,
    /// as in Python) is waited for when the parent exits normally. Either way it dies if the parent is killed.
    /// </summary>
    public bool Daemon { get; set; }
}
