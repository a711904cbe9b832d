using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace ParallelGen.WorkerHost;

/// <summary>Entry point of JIT worker processes; everything else happens in <c>ParallelGen.Dispatch.WorkerEntry</c>.</summary>
internal static class Program
{
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "JIT-only launcher; ParallelGen is in the application's dependencies.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "JIT-only launcher.")]
    internal static int Main()
    {
        // One lookup at start-up: this assembly cannot reference ParallelGen, which carries it to the app's output.
        Type entry = Type.GetType("ParallelGen.Dispatch.WorkerEntry, ParallelGen", throwOnError: true)!;
        MethodInfo run = entry.GetMethod("RunHosted", BindingFlags.Public | BindingFlags.Static)!;
        return (int)run.Invoke(null, null)!;
    }
}
