using System.Diagnostics.CodeAnalysis;
using ParallelGen.Platform;

namespace ParallelGen.Backends.Process;

/// <summary>The program and arguments that start a worker in this process's environment.</summary>
/// <remarks>
/// Three ways: a Native AOT application re-launches itself (its generated module initializer enters the worker loop);
/// a JIT application starts <c>ParallelGen.WorkerHost.dll</c> with the <c>dotnet</c> host (<c>dotnet.exe</c> on Windows)
/// and its own runtime and dependency files; a JIT application without a <c>dotnet</c> host (a self-contained one)
/// re-launches its own executable with <c>ParallelGen.WorkerHost.dll</c> as a .NET startup hook
/// (<c>DOTNET_STARTUP_HOOKS</c>), which enters the worker loop before the application's <c>Main</c> would run.
/// A JIT application must not enter the worker loop from its module initializer, as a Native AOT one does: the loop
/// would then run inside the module's type initializer, and every other thread that runs the application's code (the
/// continuation of an awaiting task, a callback on the thread pool) would wait for that initializer for ever.
/// </remarks>
/// <param name="FileName">The executable: <c>dotnet</c> for JIT apps, the application itself under Native AOT or when self-contained.</param>
/// <param name="Arguments">The arguments after the executable.</param>
/// <param name="SelfHosted">Whether the worker is the application itself with every dispatch table compiled in (Native AOT).</param>
/// <param name="Environment">Variables the worker needs besides the parent's (<c>NAME=value</c>): the startup hook, when one is used.</param>
internal sealed record LaunchCommand(string FileName, IReadOnlyList<string> Arguments, bool SelfHosted, IReadOnlyList<string>? Environment = null)
{
    public const string HostAssemblyFileName = "ParallelGen.WorkerHost.dll";

    /// <summary>The variable that names .NET startup hooks.</summary>
    public const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

    /// <summary>Gets whether this process runs as Native AOT code (no JIT has compiled anything).</summary>
    public static bool IsNativeAot => System.Runtime.JitInfo.GetCompiledMethodCount() == 0;

    public static LaunchCommand Resolve()
    {
        PlatformSupport.ThrowIfUnsupported();

        if (IsNativeAot)
        {
            return new LaunchCommand(ApplicationPath(), [], SelfHosted: true);
        }

        return ResolveJit();
    }

    private static string ApplicationPath() =>
        System.Environment.ProcessPath ?? throw new InvalidOperationException("The path of the application executable is unknown.");

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
        if (FindDotnet() is { } dotnet)
        {
            return new LaunchCommand(dotnet, ["exec", "--runtimeconfig", runtimeConfig, "--depsfile", deps, host], SelfHosted: false);
        }

        // Self-contained: no dotnet host, but the application's own executable runs the worker host as a startup hook.
        string hooks = System.Environment.GetEnvironmentVariable(StartupHooksVariable) is { Length: > 0 } existing
            ? existing + Path.PathSeparator + host
            : host;
        return new LaunchCommand(ApplicationPath(), [], SelfHosted: false, [$"{StartupHooksVariable}={hooks}"]);
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
    private static string? FindDotnet()
    {
        string? process = System.Environment.ProcessPath;
        if (process is not null && string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return process;
        }

        string executable = PlatformSupport.IsWindows ? "dotnet.exe" : "dotnet";
        foreach (string? candidate in new[]
        {
            System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
            // <root>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll -> <root>/dotnet
            Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "", "..", "..", "..", executable),
            System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } root ? Path.Combine(root, executable) : null,
        })
        {
            // By file name too: under Wine a Linux DOTNET_HOST_PATH is visible and names a file, but not a Windows host.
            if (!string.IsNullOrEmpty(candidate) && string.Equals(Path.GetFileName(candidate), executable, StringComparison.OrdinalIgnoreCase) && File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }
}
