namespace ParallelGen.Grains;

/// <summary>The settings of a pool that a node's local pool needs: those that its worker processes enforce.</summary>
/// <param name="TaskTimeoutMilliseconds">The per-item task timeout, or 0.</param>
/// <param name="MaxTasksPerWorker">Items a worker runs before it is replaced, or <see langword="null"/>.</param>
/// <param name="MaxMessageSize">The largest frame.</param>
/// <param name="InitializerTask">The initializer's task id, or 0 for none.</param>
/// <param name="InitializerArguments">The initializer's serialized arguments.</param>
[GenerateSerializer, Immutable, Alias("ParallelGen.PoolProfile")]
internal sealed record PoolProfile(
    [property: Id(0)] int TaskTimeoutMilliseconds,
    [property: Id(1)] long? MaxTasksPerWorker,
    [property: Id(2)] int MaxMessageSize,
    [property: Id(3)] ulong InitializerTask,
    [property: Id(4)] byte[]? InitializerArguments)
{
    /// <summary>Gets whether the profile asks for nothing a node's default pool does not have.</summary>
    public bool IsDefault => TaskTimeoutMilliseconds == 0 && MaxTasksPerWorker is null && InitializerTask == 0 && MaxMessageSize == ProcessPoolOptions.DefaultMaxMessageSize;

    /// <summary>Gets a key that is equal for equal profiles (the arguments array compared by content).</summary>
    public string Key => $"{TaskTimeoutMilliseconds}/{MaxTasksPerWorker}/{MaxMessageSize}/{InitializerTask}/{(InitializerArguments is null ? "" : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(InitializerArguments)))}";
}
