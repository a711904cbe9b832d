namespace ParallelGen.Protocol;

/// <summary>The first byte of every frame body: what the frame carries.</summary>
/// <remarks>See <c>docs/architecture.md</c> for the layout of each kind.</remarks>
internal enum FrameKind : byte
{
    // Parent to worker, on the data pipe.

    /// <summary>Load a task assembly (JIT workers): [string name][string path].</summary>
    LoadAssembly = 0x01,

    /// <summary>Run a task over one or more inputs: [long runId][ulong taskId][byte flags][trace context, if flagged][args span].</summary>
    Run = 0x02,

    /// <summary>Finish the queued work, then exit.</summary>
    Shutdown = 0x03,

    // Parent to worker, on the control pipe.

    /// <summary>Stop a running call or skip a queued one: [long runId].</summary>
    Cancel = 0x10,

    /// <summary>Take back a run the worker has not started yet: [long runId]. Answered with <see cref="Withdrawn"/> if it had not.</summary>
    Withdraw = 0x11,

    // Either direction, on the data pipe.

    /// <summary>
    /// A large frame that travels in a shared-memory segment instead of the pipe: [long segmentSize][int frameLength]
    /// [string segmentName]. The frame itself (kind byte, body) starts 64 bytes into the segment.
    /// </summary>
    InSharedMemory = Transport.SharedFrameSender.FrameKind,

    // Worker to parent.

    /// <summary>The worker is up: [int pid].</summary>
    Ready = 0x81,

    /// <summary>A call finished, or some of its items did (status partial): [long runId][long elapsedTicks][byte status][int firstItem][int errorCount][errors][results span].</summary>
    Done = 0x82,

    /// <summary>The worker cannot go on (corrupt frame): [string message]. It exits after sending this.</summary>
    Fatal = 0x83,

    /// <summary>A call ran longer than <c>ProcessPoolOptions.TaskTimeout</c>: [long runId]. The worker exits after it.</summary>
    TimedOut = 0x84,

    /// <summary>A withdrawn run had not started and never will: [long runId]. Overtakes the answers of earlier runs.</summary>
    Withdrawn = 0x85,
}
