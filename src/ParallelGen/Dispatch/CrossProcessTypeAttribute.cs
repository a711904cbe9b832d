using System.ComponentModel;

namespace ParallelGen.Dispatch;

/// <summary>
/// Marks a ParallelGen type that can be passed to a task as an ordinary argument although it is not plain data, such
/// as a queue or a lock: what crosses the process boundary is a handle (a shared-memory name), and the worker reopens
/// the object from it.
/// </summary>
/// <remarks>
/// The generator accepts such types in <c>[ProcessTask]</c> signatures and registers
/// <see cref="FormatterType"/>, closed over the type's own type arguments, with MemoryPack.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class CrossProcessTypeAttribute(Type formatterType) : Attribute
{
    /// <summary>Gets the MemoryPack formatter: a closed type, or an open generic type with the same type parameters as the marked type.</summary>
    public Type FormatterType { get; } = formatterType;

    /// <summary>
    /// Gets or sets whether <see cref="FormatterType"/> is an open generic type of one type parameter that is closed over
    /// the marked type itself (<c>SharedObjectFormatter&lt;ProcessQueue&lt;T&gt;&gt;</c> for <c>ProcessQueue&lt;T&gt;</c>),
    /// rather than over the marked type's type arguments.
    /// </summary>
    public bool OverMarkedType { get; set; }
}
