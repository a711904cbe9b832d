namespace ParallelGen.Dispatch;

/// <summary>
/// The identity of a <see cref="ProcessTask"/> on the wire: a 64-bit FNV-1a hash of the task's assembly name and
/// documentation id, computed by the generator, so parent and worker agree on it without any lookup by name.
/// </summary>
/// <param name="Value">The hash.</param>
public readonly record struct TaskId(ulong Value)
{
    /// <inheritdoc/>
    public override string ToString() => $"0x{Value:X16}";
}
