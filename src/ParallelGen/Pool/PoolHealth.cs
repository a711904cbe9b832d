namespace ParallelGen;

/// <summary>Whether a <see cref="ProcessPool"/> has its workers (<see cref="ProcessPool.Health"/>).</summary>
public enum PoolHealth
{
    /// <summary>Every worker is running or starting normally.</summary>
    Healthy,

    /// <summary>
    /// Some worker could not be started (or restarted) and the pool keeps trying, with a back-off of up to five seconds;
    /// meanwhile the workers it has serve every call.
    /// </summary>
    Degraded,

    /// <summary>
    /// No worker is running and the last three starts failed: calls fail at once with the cause
    /// (<see cref="InvalidOperationException"/>, the cause as its inner exception), and calls that were waiting fail with
    /// the cause itself. The pool keeps trying, and serves again as soon as a worker starts.
    /// </summary>
    Unavailable,
}

/// <summary>The arguments of <see cref="ProcessPool.HealthChanged"/>.</summary>
/// <param name="health">The pool's health from now on.</param>
/// <param name="cause">Why a worker could not start, for <see cref="PoolHealth.Degraded"/> and <see cref="PoolHealth.Unavailable"/>.</param>
public sealed class PoolHealthChangedEventArgs(PoolHealth health, Exception? cause) : EventArgs
{
    /// <summary>Gets the pool's health from now on.</summary>
    public PoolHealth Health { get; } = health;

    /// <summary>Gets why a worker could not start, or <see langword="null"/> when the pool is healthy again.</summary>
    public Exception? Cause { get; } = cause;
}
