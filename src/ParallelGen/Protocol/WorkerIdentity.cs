using System.Globalization;

namespace ParallelGen.Protocol;

/// <summary>
/// What a worker is told about itself at start (<see cref="WorkerStartInfo.Identity"/>): its role and name, as
/// <c>role:name</c>. The parent side makes it; the worker's <c>CurrentProcess</c> reads it.
/// </summary>
internal static class WorkerIdentity
{
    private static int s_poolWorkers;

    /// <summary>The identity of a <c>WorkerProcess</c> named <paramref name="name"/>.</summary>
    public static string OfProcess(string name) => Encode(ProcessRole.WorkerProcess, name);

    /// <summary>The identity of the next pool worker this process starts: <c>PoolWorker-N</c>, numbered from 1 across its pools.</summary>
    public static string OfNextPoolWorker() =>
        Encode(ProcessRole.PoolWorker, $"PoolWorker-{Interlocked.Increment(ref s_poolWorkers).ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Reads an identity; one from a parent that sent none makes a pool worker named <c>PoolWorker</c>.</summary>
    public static (ProcessRole Role, string Name) Decode(string identity)
    {
        int colon = identity.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && int.TryParse(identity.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out int role)
            && Enum.IsDefined((ProcessRole)role)
            ? ((ProcessRole)role, identity[(colon + 1)..])
            : (ProcessRole.PoolWorker, "PoolWorker");
    }

    private static string Encode(ProcessRole role, string name) => $"{(int)role}:{name}";
}
