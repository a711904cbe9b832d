using Microsoft.CodeAnalysis;

namespace ParallelGen.Generators.Diagnostics;

/// <summary>
/// Every ParallelGen diagnostic. PG0001–PG0099: task declarations; PG0100–PG0199: call sites; PG0200 and up:
/// configuration. An id is never reused; each has an entry in <c>docs/diagnostics.md</c>.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "ParallelGen";
    private const string HelpBase = "https://github.com/parallelgen/parallelgen/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor TaskNotStatic = Error(
        "PG0001", "A [ProcessTask] method must be static",
        "'{0}' is an instance method; a worker process has no instance to call it on. Make it static and pass what it needs as arguments.");

    public static readonly DiagnosticDescriptor TaskGeneric = Error(
        "PG0002", "A [ProcessTask] method cannot be generic",
        "'{0}' is generic or declared in a generic type; a worker must know the exact types to deserialize. Write one non-generic task per type.");

    public static readonly DiagnosticDescriptor ParameterByReference = Error(
        "PG0003", "A [ProcessTask] parameter cannot be passed by reference",
        "Parameter '{0}' of '{1}' is '{2}'; arguments are copied to another process, so changes could never come back. Pass it by value and return the result.");

    public static readonly DiagnosticDescriptor StackOnlyType = Error(
        "PG0004", "A [ProcessTask] cannot take or return pointers or stack-only types",
        "'{0}' uses '{1}', a pointer or stack-only type (such as Span<T>) that cannot leave this process. Use an array, a List<T> or a SharedArray<T>.");

    public static readonly DiagnosticDescriptor NotSerializable = Error(
        "PG0005", "A [ProcessTask] type cannot cross a process boundary",
        "'{0}' uses '{2}', which cannot cross a process boundary: '{1}' at {3} cannot be serialized, because {4}. Use primitives, strings, arrays, collections, tuples, enums, unmanaged structs, [MemoryPackable] types or ParallelGen's shared objects.");

    public static readonly DiagnosticDescriptor TaskNotAccessible = Error(
        "PG0006", "A [ProcessTask] method must be public or internal",
        "'{0}' or a type around it is private, protected or file-local; the generated dispatch code cannot call it. Make the method and its types internal or public.");

    public static readonly DiagnosticDescriptor TooManyParameters = Error(
        "PG0007", "A [ProcessTask] method has too many parameters",
        "'{0}' takes {1} parameters; a task takes at most {2} (plus a trailing CancellationToken). Group them in a [MemoryPackable] record.");

    public static readonly DiagnosticDescriptor MisplacedCancellationToken = Error(
        "PG0008", "A CancellationToken must be a task's last parameter",
        "Parameter '{0}' of '{1}' is a CancellationToken but not the last parameter; only a trailing token receives cancellation from the parent process.");

    public static readonly DiagnosticDescriptor NegativeRetries = Error(
        "PG0009", "MaxRetries cannot be negative",
        "'{0}' has MaxRetries = {1}; use 0 (the default) for no retries, or a positive count for an idempotent task.");

    public static readonly DiagnosticDescriptor AsyncVoidTask = Error(
        "PG0010", "A [ProcessTask] method cannot be async void",
        "'{0}' is async void: the worker could not wait for it, so the call would report success at once and a later exception would kill the worker. Return Task (or Task<T>) instead.");

    public static readonly DiagnosticDescriptor LambdaPassed = Error(
        "PG0100", "Pass a [ProcessTask] method, not a lambda",
        "A lambda or anonymous method cannot run in a worker process: its captured state lives in this process. Move the code to a static [ProcessTask] method and pass it by name.");

    public static readonly DiagnosticDescriptor LocalFunctionPassed = Error(
        "PG0101", "Pass a [ProcessTask] method, not a local function",
        "Local function '{0}' cannot run in a worker process. Move it to a static [ProcessTask] method of a class and pass it by name.");

    public static readonly DiagnosticDescriptor InstanceMethodPassed = Error(
        "PG0102", "Pass a static [ProcessTask] method, not an instance method",
        "'{0}' is an instance method; its object cannot be sent to a worker process. Pass a static [ProcessTask] method.");

    public static readonly DiagnosticDescriptor NotAProcessTask = Error(
        "PG0103", "The method passed is not a [ProcessTask]",
        "'{0}' is not marked [ProcessTask], so no worker-side entry exists for it. Add [ProcessTask] to the method.");

    public static readonly DiagnosticDescriptor DelegateValuePassed = Error(
        "PG0104", "Pass a [ProcessTask] method by name, not a delegate value",
        "The task must be a [ProcessTask] method named at the call, as in pool.Map(Square, data); a delegate stored in a variable, field or parameter cannot be checked or routed at compile time.");

    public static readonly DiagnosticDescriptor WrongArgumentCount = Error(
        "PG0105", "Wrong number of arguments for the task",
        "'{0}' takes {1} argument(s) ({2}), but {3} gives {4}");

    public static readonly DiagnosticDescriptor WrongArgumentType = Error(
        "PG0106", "Argument type does not match the task's parameter",
        "Argument {0} of '{1}' must be '{2}', but '{3}' is given");

    public static readonly DiagnosticDescriptor TaskWithoutGenerator = Error(
        "PG0107", "The task's assembly was built without the ParallelGen generator",
        "'{0}' is declared in assembly '{1}', which has no generated descriptor for it. Reference the ParallelGen package from that project too.");

    public static readonly DiagnosticDescriptor ExtensionReceiverPassed = Error(
        "PG0108", "Pass the extension method by its type, not through a receiver",
        "'{0}' is passed as an extension method of a value, so that value would travel with it as a hidden first argument. Pass it by its type ({1}) and give that value as an argument.");

    public static readonly DiagnosticDescriptor CallShapeAsDelegate = Error(
        "PG0109", "Call the ParallelGen method directly, not through a delegate",
        "'{0}' is taken as a delegate; the generator routes only direct calls such as pool.Map(Work.Square, data) to the workers. Call it directly.");

    public static readonly DiagnosticDescriptor HandMadeDescriptor = Error(
        "PG0110", "ProcessTask descriptors are made by the generator only",
        "'{0}' is for generated code: a hand-made descriptor has no entry in the workers' dispatch table, so every call with it would fail. Mark the method [ProcessTask] and pass it by name.");

    public static readonly DiagnosticDescriptor CallNotRouted = Error(
        "PG0111", "The generator cannot route this call",
        "This call to '{0}' cannot be routed to a worker process ({1}). Write it as a plain call statement or expression, such as pool.Map(Work.Square, data).");

    public static readonly DiagnosticDescriptor ArgumentNeedsType = Error(
        "PG0112", "Give the argument the task's parameter type",
        "Argument {0} of '{1}' must be '{2}', but {3} is given; the pool takes the task's types from the arguments, so the conversion a direct call would make cannot happen. Write {4}.");

    public static readonly DiagnosticDescriptor TaskNotOneMethod = Error(
        "PG0113", "Name one [ProcessTask] method at the call",
        "The task must be one [ProcessTask] method named at the call; '{0}' chooses between methods at run time, which cannot be checked or routed. Call the pool once per method (for example in an if/else).");

    public static readonly DiagnosticDescriptor NoOverloadFits = Error(
        "PG0114", "No overload of the task takes these arguments",
        "No overload of '{0}' takes {1}: {2}. Pass arguments that fit one overload exactly.");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
