namespace ParallelGen.Generators.Model;

/// <summary>One MemoryPack formatter to register before the first task runs (Native AOT cannot create it on demand).</summary>
/// <remarks>Holds no symbols or syntax.</remarks>
/// <param name="Type">The serialized type, fully qualified.</param>
/// <param name="Formatter">The formatter to construct, fully qualified; empty for a <c>[MemoryPackable]</c> type, which registers itself.</param>
/// <param name="Replaces">Whether it replaces the formatter MemoryPack registers itself (which is wrong for this type).</param>
internal sealed record FormatterRegistration(string Type, string Formatter, bool Replaces = false);
