using ParallelGen.Backends.Process;

namespace ParallelGen;

public partial class ProcessPool
{
    /// <summary>Raised with the pid of every worker process the pool starts, replacements included: tests check that none outlives them.</summary>
    internal event Action<int>? WorkerStartedForTesting;

    /// <summary>Writes raw bytes to the data pipe of the worker in <paramref name="slot"/>: corrupt frames, for fault-injection tests.</summary>
    internal void WriteRawForTesting(int slot, byte[] bytes) => (_scheduler.ChannelOf(slot) as ProcessChannel)?.WriteRawForTesting(bytes);

    /// <summary>Gets how many frames to the worker in <paramref name="slot"/> went through shared memory, and how many large ones took the pipe.</summary>
    internal (int Diverted, int Declined) LargeFramesSentForTesting(int slot) =>
        (_scheduler.ChannelOf(slot) as ProcessChannel)?.LargeFramesSent ?? default;
}
