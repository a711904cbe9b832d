namespace ParallelGen.Generators.Model;

/// <summary>Where a task's generated descriptor lives: <c>{Namespace}.{ClassName}.{FieldName}</c>.</summary>
/// <remarks>Holds no symbols or syntax. The same rule names it in the declaring assembly and at call sites in other assemblies.</remarks>
/// <param name="Namespace">The declaring type's namespace, empty for the global namespace.</param>
/// <param name="ClassName">The descriptor class, e.g. <c>WorkProcessTasks</c>, or <c>Outer_InnerProcessTasks</c> for a nested type.</param>
/// <param name="FieldName">The field: the method's name, suffixed with its parameter types when the name is overloaded.</param>
/// <param name="IsPublic">Whether the task (and every type around it) is public, so the descriptor is too.</param>
internal sealed record DescriptorRef(string Namespace, string ClassName, string FieldName, bool IsPublic)
{
    /// <summary>Gets the class's fully qualified name, with <c>global::</c>.</summary>
    public string QualifiedClassName => Namespace.Length == 0 ? $"global::{ClassName}" : $"global::{Namespace}.{ClassName}";

    /// <summary>Gets the field's fully qualified name, with <c>global::</c>.</summary>
    public string QualifiedFieldName => $"{QualifiedClassName}.{FieldName}";

    /// <summary>Gets the class's metadata name, for looking it up in a referenced assembly.</summary>
    public string MetadataName => Namespace.Length == 0 ? ClassName : $"{Namespace}.{ClassName}";
}
