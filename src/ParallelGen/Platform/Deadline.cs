namespace ParallelGen.Platform;

/// <summary>An absolute point on the system's monotonic clock (the one cross-process waits use), or never.</summary>
internal readonly struct Deadline
{
    private Deadline(long nanoseconds, bool infinite)
    {
        Nanoseconds = nanoseconds;
        IsInfinite = infinite;
    }

    public static Deadline Infinite => new(long.MaxValue, true);

    /// <summary>Gets the deadline in nanoseconds of the monotonic clock.</summary>
    public long Nanoseconds { get; }

    public bool IsInfinite { get; }

    /// <summary>Gets the time left in nanoseconds (0 once passed, <see cref="long.MaxValue"/> for never): for waits that take a relative timeout.</summary>
    public long RemainingNanoseconds => IsInfinite ? long.MaxValue : Math.Max(0, Nanoseconds - Now());

    /// <summary>Gets whether the deadline is behind us.</summary>
    public bool HasPassed => !IsInfinite && Now() >= Nanoseconds;

    /// <summary>Gets the deadline <paramref name="timeout"/> from now; <see cref="Timeout.InfiniteTimeSpan"/> means never.</summary>
    public static Deadline After(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return Infinite;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        long nanoseconds = timeout.Ticks > (long.MaxValue / 4) / 100 ? long.MaxValue / 4 : timeout.Ticks * 100;
        return new Deadline(Now() + nanoseconds, false);
    }

    /// <summary>Gets this deadline or the one <paramref name="slice"/> from now, whichever comes first.</summary>
    public Deadline NoLaterThan(TimeSpan slice)
    {
        Deadline soon = After(slice);
        return IsInfinite || soon.Nanoseconds < Nanoseconds ? soon : this;
    }

    /// <summary>Gets this deadline or the one <paramref name="span"/> from now, whichever comes last.</summary>
    public Deadline NoEarlierThan(TimeSpan span)
    {
        Deadline later = After(span);
        return IsInfinite || later.Nanoseconds < Nanoseconds ? this : later;
    }

    private static long Now() =>
        PlatformSupport.IsLinux ? Linux.PthreadSync.MonotonicNanoseconds()
        : PlatformSupport.IsWindows ? WindowsNow()
        : throw PlatformSupport.NotSupported();

    /// <summary>The performance counter in nanoseconds: one clock for every process on Windows, as CLOCK_MONOTONIC is on Linux.</summary>
    private static long WindowsNow()
    {
        long ticks = System.Diagnostics.Stopwatch.GetTimestamp();
        long frequency = System.Diagnostics.Stopwatch.Frequency;
        return ((ticks / frequency) * 1_000_000_000) + ((ticks % frequency) * 1_000_000_000 / frequency);
    }
}
