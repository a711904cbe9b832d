using System.Diagnostics.CodeAnalysis;
using ParallelGen.Platform;

namespace ParallelGen.Backends.Process;

/// <summary>The program and arguments that start a worker in this process's environment.</summary>
/// <param name="FileName">The executable: <c>dotnet</c> for JIT apps, the application itself under Native AOT.</param>
/// <param name="Arguments">The arguments after the executable.</param>
/// <param name="SelfHosted">Whether the worker is the application itself (Native AOT).</param>
internal sealed record LaunchCommand(string FileName, IReadOnlyList<string> Arguments, bool SelfHosted)
{
    public const string HostAssemblyFileName = "ParallelGen.WorkerHost.dll";

    /// <summary>Gets whether this process runs as Native AOT code (no JIT has compiled anything).</summary>
    public static bool IsNativeAot => System.Runtime.JitInfo.GetCompiledMethodCount() == 0;

    public static LaunchCommand Resolve()
    {
        PlatformSupport.ThrowIfUnsupported();

        if (IsNativeAot)
        {
            string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the application executable is unknown.");
            return new LaunchCommand(self, [], SelfHosted: true);
        }

        return ResolveJit();
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "This branch runs only under the JIT, where assemblies have files.")]
    private static LaunchCommand ResolveJit()
    {
        // The worker is the generic host started with the application's own runtime and dependency files, which works
        // the same under `dotnet run`, a published app, and a test host (whose process path is `dotnet` itself).
        string deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? throw new InvalidOperationException(
                "ParallelGen cannot find the application's .deps.json, which JIT workers need. Single-file apps are not supported; publish with PublishAot=true or as a regular app.");
        string runtimeConfig = deps.EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase)
            ? string.Concat(deps.AsSpan(0, deps.Length - ".deps.json".Length), ".runtimeconfig.json")
            : throw new InvalidOperationException($"Unexpected dependency file name '{deps}'.");
        if (!File.Exists(runtimeConfig))
        {
            throw new InvalidOperationException($"ParallelGen workers need '{runtimeConfig}', which is missing.");
        }

        string host = FindHostAssembly();
        return new LaunchCommand(FindDotnet(), ["exec", "--runtimeconfig", runtimeConfig, "--depsfile", deps, host], SelfHosted: false);
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "JIT only.")]
    private static string FindHostAssembly()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, HostAssemblyFileName),
            Path.Combine(Path.GetDirectoryName(typeof(LaunchCommand).Assembly.Location) ?? "", HostAssemblyFileName),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"'{HostAssemblyFileName}' was not found next to the application ({AppContext.BaseDirectory}). It is copied there by the ParallelGen package; a custom build that drops it cannot start workers.");
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "JIT only.")]
    private static string FindDotnet()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        foreach (string? candidate in new[]
        {
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
            // <root>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll -> <root>/dotnet
            Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "", "..", "..", "..", "dotnet"),
            Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } root ? Path.Combine(root, "dotnet") : null,
        })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new InvalidOperationException("ParallelGen cannot find the 'dotnet' host to start JIT workers. Set DOTNET_ROOT.");
    }
}
