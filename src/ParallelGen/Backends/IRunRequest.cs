using System.Diagnostics;
using ParallelGen.Dispatch;
using ParallelGen.Transport;

namespace ParallelGen.Backends;

/// <summary>What a channel needs to write one <c>Run</c> frame.</summary>
internal interface IRunRequest
{
    /// <summary>Gets the id of this attempt; the worker's answer carries it back.</summary>
    long RunId { get; }

    ProcessTask Task { get; }

    /// <summary>Gets the <see cref="Protocol.RunFrame"/> flags.</summary>
    byte Flags { get; }

    /// <summary>Gets the context of the run's span, which the worker continues; default when nobody traces the run.</summary>
    ActivityContext TraceContext => default;

    /// <summary>Serializes the arguments, one per item, as a MemoryPack span.</summary>
    void WriteArguments(FrameBuffer buffer);
}
