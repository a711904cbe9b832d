using System.ComponentModel;

namespace ParallelGen.Dispatch;

/// <summary>
/// Names the generated dispatch table of an assembly that declares <c>[ProcessTask]</c> methods. The generator emits
/// it, and reads it from referenced assemblies so that an executable registers every table explicitly at start-up:
/// under Native AOT a library's module initializer may never run, and the worker must still find its tasks.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class ProcessTaskAssemblyAttribute(Type dispatchTable) : Attribute
{
    /// <summary>Gets the generated class with the static <c>Register()</c> method.</summary>
    public Type DispatchTable { get; } = dispatchTable;
}
