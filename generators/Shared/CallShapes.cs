using System.Collections.Generic;

namespace ParallelGen.CallShapes;

/// <summary>How a call shape hands the task its arguments.</summary>
internal enum ArgumentStyle
{
    /// <summary>One item of <c>items</c> per call: <c>Map(task, items)</c>.</summary>
    Items,

    /// <summary>One tuple of <c>items</c> per call, spread over the task's parameters: <c>Starmap(task, pairs)</c>.</summary>
    TupleItems,

    /// <summary>The task's arguments written out after it: <c>Apply(task, arg1, arg2)</c>.</summary>
    Arguments,
}

/// <summary>
/// One method that takes a <c>[ProcessTask]</c> method by name, such as <c>ProcessPool.Map</c>: the contract between the
/// overloads the Signatures generator writes into the runtime, the interceptors the ParallelGen generator emits, and
/// the call-site analyzer. This file is linked into both generator projects, so the three cannot disagree.
/// </summary>
/// <param name="TypeName">The declaring type's metadata name, e.g. <c>ParallelGen.ProcessPool</c>.</param>
/// <param name="MethodName">The method's name, e.g. <c>Map</c>.</param>
/// <param name="IsStatic">Whether it is a static method (<c>WorkerProcess.Start</c>, <c>PoolInitializer.Create</c>).</param>
/// <param name="Style">How the task's arguments are given.</param>
/// <param name="MinArity">The fewest task parameters (a trailing token excluded) an overload exists for.</param>
/// <param name="MaxArity">The most task parameters an overload exists for.</param>
/// <param name="NeedsResult">Whether only tasks that return a value fit (the <c>Imap</c> family).</param>
/// <param name="Trailing">The parameters after the task's items or arguments, as C# text (their names are forwarded by name).</param>
internal sealed record CallShape(
    string TypeName,
    string MethodName,
    bool IsStatic,
    ArgumentStyle Style,
    int MinArity,
    int MaxArity,
    bool NeedsResult,
    string Trailing);

/// <summary>The table of call shapes and the parameter names they agree on.</summary>
internal static class CallShapeTable
{
    /// <summary>The most task parameters (a trailing token excluded) that any call shape accepts.</summary>
    public const int MaxArity = 8;

    /// <summary>The name of the parameter that takes the task: always the first.</summary>
    public const string TaskParameter = "task";

    /// <summary>The name of the parameter that takes the inputs of <see cref="ArgumentStyle.Items"/> and <see cref="ArgumentStyle.TupleItems"/> shapes.</summary>
    public const string ItemsParameter = "items";

    /// <summary>Stands in <see cref="CallShape.Trailing"/> for the success callback, whose type depends on whether the task has a result.</summary>
    public const string CallbackPlaceholder = "{callback}";

    private const string Pool = "ParallelGen.ProcessPool";
    private const string MapTrailing = "int? chunkSize = null, IProgress<PoolProgress>? progress = null";
    private const string ImapTrailing = "int chunkSize = 1, IProgress<PoolProgress>? progress = null";
    private const string Token = "CancellationToken cancellationToken = default";

    /// <summary>Gets every call shape, in the order the Signatures generator writes them.</summary>
    public static IReadOnlyList<CallShape> All { get; } =
    [
        new(Pool, "Map", false, ArgumentStyle.Items, 1, 1, false, MapTrailing),
        new(Pool, "MapAsync", false, ArgumentStyle.Items, 1, 1, false, $"{MapTrailing}, {Token}"),
        new(Pool, "Starmap", false, ArgumentStyle.TupleItems, 2, MaxArity, false, MapTrailing),
        new(Pool, "StarmapAsync", false, ArgumentStyle.TupleItems, 2, MaxArity, false, $"{MapTrailing}, {Token}"),
        new(Pool, "Apply", false, ArgumentStyle.Arguments, 0, MaxArity, false, ""),
        new(Pool, "ApplyAsync", false, ArgumentStyle.Arguments, 0, MaxArity, false, $"{CallbackPlaceholder}, Action<Exception>? errorCallback = null, {Token}"),
        new(Pool, "Imap", false, ArgumentStyle.Items, 1, 1, true, ImapTrailing),
        new(Pool, "ImapUnordered", false, ArgumentStyle.Items, 1, 1, true, ImapTrailing),
        new(Pool, "ImapAsync", false, ArgumentStyle.Items, 1, 1, true, $"{ImapTrailing}, {Token}"),
        new("ParallelGen.WorkerProcess", "Start", true, ArgumentStyle.Arguments, 0, MaxArity, false, "WorkerProcessOptions? options = null"),
        new("ParallelGen.PoolInitializer", "Create", true, ArgumentStyle.Arguments, 0, MaxArity, false, ""),
    ];

    private static readonly HashSet<string> s_names = [.. System.Linq.Enumerable.Select(All, shape => shape.MethodName)];

    /// <summary>Gets the name of the parameter that takes the task's argument <paramref name="position"/> (from 1).</summary>
    public static string ArgumentParameter(int position) => "arg" + position.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="parameterName"/> takes one of the task's arguments (<c>arg1</c> .. <c>arg8</c>).</summary>
    public static bool IsArgumentParameter(string parameterName) =>
        parameterName.Length == 4 && parameterName.StartsWith("arg", System.StringComparison.Ordinal) && parameterName[3] is >= '1' and <= '8';

    /// <summary>Whether some call shape has this method name: the syntax-only filter that runs before any semantic work.</summary>
    public static bool IsShapeName(string methodName) => s_names.Contains(methodName);

    /// <summary>Finds the call shape of a method, by its declaring type's metadata name and its name.</summary>
    public static CallShape? Find(string typeName, string methodName)
    {
        foreach (CallShape shape in All)
        {
            if (shape.MethodName == methodName && shape.TypeName == typeName)
            {
                return shape;
            }
        }

        return null;
    }
}
