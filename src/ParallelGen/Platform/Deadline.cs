using ParallelGen.Platform.Linux;

namespace ParallelGen.Platform;

/// <summary>An absolute point on the monotonic clock, or never.</summary>
internal readonly struct Deadline
{
    private Deadline(LibC.TimeSpec time, bool infinite)
    {
        Time = time;
        IsInfinite = infinite;
    }

    public static Deadline Infinite => new(default, true);

    public LibC.TimeSpec Time { get; }

    public bool IsInfinite { get; }

    /// <summary>Gets whether the deadline is behind us.</summary>
    public bool HasPassed => !IsInfinite && Compare(Now(), Time) >= 0;

    /// <summary>Gets the deadline <paramref name="timeout"/> from now; <see cref="Timeout.InfiniteTimeSpan"/> means never.</summary>
    public static Deadline After(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return Infinite;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        LibC.TimeSpec now = Now();
        long nanoseconds = now.Nanoseconds + (timeout.Ticks % TimeSpan.TicksPerSecond) * 100;
        return new Deadline(
            new LibC.TimeSpec
            {
                Seconds = now.Seconds + (long)timeout.TotalSeconds + nanoseconds / 1_000_000_000,
                Nanoseconds = nanoseconds % 1_000_000_000,
            },
            false);
    }

    /// <summary>Gets this deadline or the one <paramref name="slice"/> from now, whichever comes first.</summary>
    public Deadline NoLaterThan(TimeSpan slice)
    {
        Deadline soon = After(slice);
        return IsInfinite || Compare(soon.Time, Time) < 0 ? soon : this;
    }

    private static unsafe LibC.TimeSpec Now()
    {
        LibC.TimeSpec now;
        LibC.clock_gettime(LibC.CLOCK_MONOTONIC, &now);
        return now;
    }

    private static int Compare(LibC.TimeSpec a, LibC.TimeSpec b) =>
        a.Seconds != b.Seconds ? a.Seconds.CompareTo(b.Seconds) : a.Nanoseconds.CompareTo(b.Nanoseconds);
}
