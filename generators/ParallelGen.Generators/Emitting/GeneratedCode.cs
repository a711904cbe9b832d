namespace ParallelGen.Generators.Emitting;

/// <summary>Text shared by the emitters.</summary>
internal static class GeneratedCode
{
    /// <summary>The generator's version, written into <c>[GeneratedCode]</c> attributes.</summary>
    public static readonly string Version = typeof(GeneratedCode).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The <c>[GeneratedCode]</c> attribute line.</summary>
    public static string Attribute => $"""[global::System.CodeDom.Compiler.GeneratedCode("ParallelGen", "{Version}")]""";

    /// <summary>The namespace of the dispatch tables and interceptors (listed in <c>InterceptorsNamespaces</c> by the package's targets).</summary>
    public const string Namespace = "ParallelGen.Generated";

    /// <summary>Escapes <paramref name="text"/> for a C# string literal.</summary>
    public static string Literal(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
