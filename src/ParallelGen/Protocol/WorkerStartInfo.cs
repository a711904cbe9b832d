using System.Globalization;

namespace ParallelGen.Protocol;

/// <summary>What a worker needs to know at start-up, passed from the parent in one environment variable.</summary>
/// <remarks>
/// The pipes themselves are inherited at fixed descriptor numbers (<see cref="DataInFd"/>, <see cref="DataOutFd"/>,
/// <see cref="ControlInFd"/>), mapped by <c>posix_spawn</c>; nothing listens on a port or a path.
/// </remarks>
/// <param name="ParentPid">The parent's pid: a worker whose parent is already gone exits at once.</param>
/// <param name="MaxFrameLength">The largest frame either side accepts.</param>
/// <param name="TaskTimeoutMilliseconds">How long one call may run before the worker gives up on it and exits; 0 for no limit.</param>
/// <param name="SelfHosted">Whether the worker is the application re-launched (Native AOT) rather than the JIT worker host.</param>
/// <param name="Identity">What the worker's <c>CurrentProcess</c> reports (its role and name), opaque here; escaped on the way.</param>
internal sealed record WorkerStartInfo(int ParentPid, int MaxFrameLength, int TaskTimeoutMilliseconds, bool SelfHosted, string Identity = "")
{
    public const string EnvironmentVariable = "PARALLELGEN_WORKER";
    public const int DataInFd = 3;
    public const int DataOutFd = 4;
    public const int ControlInFd = 5;

    private const string Version = "2";

    /// <summary>
    /// Gets how long a call of <paramref name="count"/> items may run, in ticks of <paramref name="ticksPerSecond"/>
    /// (default: <see cref="System.Diagnostics.Stopwatch"/> ticks): the task timeout once per item, plus
    /// <paramref name="graceMilliseconds"/>. Both the worker's watchdog and the parent's backstop use it. Computed in double, since milliseconds × items × ticks per second overflows a long
    /// for a large chunk, and capped well inside a long, so that converting back cannot overflow on any runtime.
    /// </summary>
    public static long CallBudgetTicks(int timeoutMilliseconds, int count, int graceMilliseconds = 0, long ticksPerSecond = 0) =>
        (long)Math.Min(long.MaxValue / 2, ((double)timeoutMilliseconds * Math.Max(count, 1) + graceMilliseconds) * (ticksPerSecond > 0 ? ticksPerSecond : System.Diagnostics.Stopwatch.Frequency) / 1000);

    public string Encode() => string.Join(
        ';',
        Version,
        ParentPid.ToString(CultureInfo.InvariantCulture),
        MaxFrameLength.ToString(CultureInfo.InvariantCulture),
        TaskTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture),
        Uri.EscapeDataString(Identity),
        SelfHosted ? "self" : "host");

    /// <summary>Reads and clears the variable, so processes the worker starts in turn do not think they are workers.</summary>
    public static WorkerStartInfo? TakeFromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        Environment.SetEnvironmentVariable(EnvironmentVariable, null);
        string[] parts = value.Split(';');
        if (parts.Length != 6 || parts[0] != Version)
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable}='{value}' was set by a different ParallelGen version; the parent and the worker must be the same build.");
        }

        return new WorkerStartInfo(
            int.Parse(parts[1], CultureInfo.InvariantCulture),
            int.Parse(parts[2], CultureInfo.InvariantCulture),
            int.Parse(parts[3], CultureInfo.InvariantCulture),
            parts[5] == "self",
            Uri.UnescapeDataString(parts[4]));
    }
}
