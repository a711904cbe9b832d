// The prelude of every C# block in README.md and docs/*.md (tests/ParallelGen.DocsTests/README.md says how blocks
// are compiled). A block is a fragment of a program: it may use these names without declaring them; a local it
// declares itself comes first. Keep this short: a name belongs here only if several blocks use it undeclared.

// What `dotnet new console` imports (ImplicitUsings), plus ParallelGen.
global using System;
global using System.Collections.Generic;
global using System.IO;
global using System.Linq;
global using System.Net.Http;
global using System.Threading;
global using System.Threading.Tasks;
global using ParallelGen;
global using static DocsPrelude;

/// <summary>Variables that the documentation's fragments use as if a program had declared them (tasks: Tasks.cs).</summary>
public static class DocsPrelude
{
    /// <summary>A pool, as created by <c>using ProcessPool pool = new();</c>.</summary>
    public static ProcessPool pool = null!;

    /// <summary>The input of a <c>Map</c>.</summary>
    public static int[] data = [];

    /// <summary>The input of a <c>Map</c> of images.</summary>
    public static byte[][] images = [];

    /// <summary>The input of a <c>Map</c> of text.</summary>
    public static string[] words = [];

    /// <summary>A condition the program tests.</summary>
    public static bool flag;

    /// <summary>A number the program passes along.</summary>
    public static int offset;

    /// <summary>A caller's token.</summary>
    public static CancellationToken ct;
}
