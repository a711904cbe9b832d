namespace ParallelGen;

/// <summary>The result of a task that returns nothing (<see langword="void"/>, <see cref="Task"/> or <see cref="ValueTask"/>).</summary>
public readonly struct Unit : IEquatable<Unit>
{
    /// <summary>Gets the only value of <see cref="Unit"/>.</summary>
    public static Unit Value => default;

    /// <inheritdoc/>
    public bool Equals(Unit other) => true;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Unit;

    /// <inheritdoc/>
    public override int GetHashCode() => 0;

    /// <inheritdoc/>
    public override string ToString() => "()";
}
