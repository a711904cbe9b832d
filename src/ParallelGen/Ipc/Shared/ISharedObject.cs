using System.ComponentModel;
using ParallelGen.Platform;

namespace ParallelGen.Ipc;

/// <summary>A shared object type that another process can open from its segment: what <see cref="SharedObjectFormatter{T}"/> needs.</summary>
/// <typeparam name="TSelf">The shared object type itself.</typeparam>
/// <remarks>Only ParallelGen's own types implement it (its member is internal).</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISharedObject<TSelf>
    where TSelf : SharedObject, ISharedObject<TSelf>
{
    /// <summary>Wraps a segment that another process created and this one has just mapped.</summary>
    internal static abstract TSelf Open(SharedSegment segment);
}
