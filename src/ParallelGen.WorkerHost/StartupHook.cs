using System.Diagnostics.CodeAnalysis;

/// <summary>
/// The worker host as a .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>): how a self-contained JIT application, which has
/// no <c>dotnet</c> host to start <c>ParallelGen.WorkerHost.dll</c> with, is re-launched as a worker. The runtime calls
/// <see cref="Initialize"/> before the application's <c>Main</c>; it runs the worker loop and exits, so <c>Main</c>
/// never runs in a worker. A startup hook is a type of this name in no namespace.
/// </summary>
internal static class StartupHook
{
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "JIT-only launcher.")]
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("PARALLELGEN_WORKER") is not { Length: > 0 })
        {
            return; // a process the worker started inherited the hook: it is not a worker
        }

        // Processes that tasks start need not load this hook: take it out of the variable they will inherit.
        string[] hooks = (Environment.GetEnvironmentVariable("DOTNET_STARTUP_HOOKS") ?? "").Split(Path.PathSeparator);
        string rest = string.Join(Path.PathSeparator, hooks.Where(h => !h.EndsWith("ParallelGen.WorkerHost.dll", StringComparison.OrdinalIgnoreCase)));
        Environment.SetEnvironmentVariable("DOTNET_STARTUP_HOOKS", rest.Length == 0 ? null : rest);
        Environment.Exit(ParallelGen.WorkerHost.Program.Main());
    }
}
