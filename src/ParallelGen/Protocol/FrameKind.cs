namespace ParallelGen.Protocol;

/// <summary>The first byte of every frame body: what the frame carries.</summary>
/// <remarks>See <c>docs/architecture.md</c> for the layout of each kind.</remarks>
internal enum FrameKind : byte
{
    // Parent to worker, on the data pipe.

    /// <summary>Load a task assembly (JIT workers): [string name][string path].</summary>
    LoadAssembly = 0x01,

    /// <summary>Run a task over one or more inputs: [long callId][ulong taskId][byte flags][args span].</summary>
    Run = 0x02,

    /// <summary>Finish the queued work, then exit.</summary>
    Shutdown = 0x03,

    // Parent to worker, on the control pipe.

    /// <summary>Stop a running call or skip a queued one: [long callId].</summary>
    Cancel = 0x10,

    // Either direction, on the data pipe.

    /// <summary>
    /// A large frame that travels in a shared-memory segment instead of the pipe: [long segmentSize][int frameLength]
    /// [string segmentName]. The frame itself (kind byte, body) starts 64 bytes into the segment.
    /// </summary>
    InSharedMemory = Transport.SharedFrameSender.FrameKind,

    // Worker to parent.

    /// <summary>The worker is up: [int pid].</summary>
    Ready = 0x81,

    /// <summary>A call finished: [long callId][long elapsedTicks][byte status][int errorCount][errors][results span].</summary>
    Done = 0x82,

    /// <summary>The worker cannot go on (corrupt frame): [string message]. It exits after sending this.</summary>
    Fatal = 0x83,

    /// <summary>A call ran longer than <c>ProcessPoolOptions.TaskTimeout</c>: [long callId]. The worker exits after it.</summary>
    TimedOut = 0x84,
}

/// <summary>The flags byte of a <see cref="FrameKind.Run"/> frame.</summary>
internal static class RunFlags
{
    /// <summary>Stop at the first item that throws (bulk calls); the rest of the chunk does not run.</summary>
    public const byte StopOnError = 0x01;

    /// <summary>The call is part of the worker's start (the initializer): <c>TaskTimeout</c> does not apply to it.</summary>
    public const byte Startup = 0x02;
}
