using System.Diagnostics;
using System.IO.Compression;
using Xunit.Abstractions;

namespace ParallelGen.PackageTests;

public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_slow = TimeSpan.FromMinutes(5);
    private readonly string _work = Directory.CreateTempSubdirectory("parallelgen-package-").FullName;

    private const string Program = """
        using ParallelGen;

        await using ProcessPool pool = new(2);
        int[] squares = pool.Map(Work.Square, Enumerable.Range(0, 10));
        int[] pids = pool.Map(Work.Pid, Enumerable.Range(0, 8), chunkSize: 1);
        Console.WriteLine($"squares: {string.Join(",", squares)}");
        Console.WriteLine($"ran in workers: {!pids.Contains(Environment.ProcessId)}");
        Console.WriteLine($"sum: {pool.Apply(Work.Add, 40, 2L)}");
        Console.WriteLine($"runtime library built for: {System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Runtime.Versioning.TargetFrameworkAttribute>(typeof(ProcessPool).Assembly)?.FrameworkName}");

        public static class Work
        {
            [ProcessTask] public static int Square(int x) => x * x;
            [ProcessTask] public static int Pid(int _) => Environment.ProcessId;
            [ProcessTask] public static long Add(int a, long b) => a + b;
        }
        """;

    [Fact]
    public void The_packed_package_works_in_a_new_console_project_and_reports_misuse_with_its_id()
    {
        // A unique version, so that no earlier copy in the NuGet cache can stand in for this build.
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        Cli.Dotnet($"pack src/ParallelGen -c Release --no-build -o \"{feed}\" -p:PackageVersion={version}", Repository.Root, s_slow);
        string package = Path.Combine(feed, $"ParallelGen.{version}.nupkg");
        AssertPackageLayout(package);
        AssertSymbolsPackage(Path.ChangeExtension(package, ".snupkg"), "lib/net8.0/ParallelGen.pdb", "lib/net10.0/ParallelGen.pdb");

        string app = NewApp("App", feed);
        Cli.Dotnet($"add package ParallelGen --version {version}", app, s_slow);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);

        Stopwatch watch = Stopwatch.StartNew();
        string run = Cli.Dotnet("run -c Release", app, s_slow);
        output.WriteLine($"dotnet run took {watch.ElapsedMilliseconds} ms:\n{run}");
        AssertRanInWorkers(run, "v10.0");

        // The same app for net8.0, which gets the package's net8.0 library. Only the .NET 10 runtime is installed here,
        // so it runs on that one (RollForward=Major), workers included: they start with the app's runtimeconfig.
        string project = Path.Combine(app, "App.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace(
            "<TargetFramework>net10.0</TargetFramework>", "<TargetFramework>net8.0</TargetFramework><RollForward>Major</RollForward>"));
        string run8 = Cli.Dotnet("run -c Release", app, s_slow);
        output.WriteLine($"net8.0:\n{run8}");
        AssertRanInWorkers(run8, "v8.0");

        File.WriteAllText(Path.Combine(app, "Program.cs"), Program.Replace("pool.Map(Work.Square,", "pool.Map(x => x * x,"));
        (int exitCode, string build) = Cli.Run("dotnet", "build -c Release", app, s_slow);
        output.WriteLine(build);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("error PG0100", build);
    }

    [Fact]
    public void The_Primes_sample_publishes_with_Native_AOT_without_warnings_and_its_workers_run()
    {
        string publish = Path.Combine(_work, "aot");
        Stopwatch watch = Stopwatch.StartNew();
        string log = Cli.Dotnet($"publish samples/Primes -c Release -r linux-x64 -p:Aot=true -o \"{publish}\"", Repository.Root, TimeSpan.FromMinutes(10));
        output.WriteLine($"publish took {watch.ElapsedMilliseconds} ms");
        Assert.DoesNotContain(": warning ", log);

        (int exitCode, string run) = Cli.Run(Path.Combine(publish, "Primes"), "2000000", publish, TimeSpan.FromMinutes(2));
        output.WriteLine(run);
        Assert.Equal(0, exitCode);
        Assert.Contains($"{Environment.ProcessorCount} worker processes", run); // the default pool size
        Assert.Contains("results agree", run);
    }

    [Fact]
    public void Under_Native_AOT_tuples_collections_enums_queues_and_shared_arrays_reach_the_workers()
    {
        // Each of these needs a MemoryPack formatter that only generated registration provides under AOT.
        string publish = Path.Combine(_work, "host-aot");
        string log = Cli.Dotnet($"publish tests/ParallelGen.TestHost -c Release -r linux-x64 -p:Aot=true -o \"{publish}\"", Repository.Root, TimeSpan.FromMinutes(10));
        Assert.DoesNotContain(": warning ", log);

        (int exitCode, string run) = Cli.Run(Path.Combine(publish, "ParallelGen.TestHost"), "types", publish, TimeSpan.FromMinutes(2));
        output.WriteLine(run);
        Assert.Equal(0, exitCode);
        Assert.Equal("ann:41:Busy a=2 x:1:Calm,y:2:Busy filled 1000 1000 2.5", run.Trim());
    }

    private const string HostedProgram = """
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        using ParallelGen;

        HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddProcessPool(options => options.Processes = 2);
        using IHost host = builder.Build();
        await host.StartAsync();
        ProcessPool pool = host.Services.GetRequiredService<ProcessPool>();
        int[] squares = await pool.MapAsync(Work.Square, Enumerable.Range(0, 10));
        Console.WriteLine($"hosted squares: {string.Join(",", squares)}");
        await host.StopAsync();
        Console.WriteLine($"closed: {pool.WorkerPids.Count == 0}");

        public static class Work
        {
            [ProcessTask] public static int Square(int x) => x * x;
        }
        """;

    [Fact]
    public void The_packed_hosting_package_runs_a_pool_in_the_generic_host_of_a_new_app()
    {
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        Cli.Dotnet($"pack src/ParallelGen -c Release --no-build -o \"{feed}\" -p:PackageVersion={version}", Repository.Root, s_slow);
        Cli.Dotnet($"pack src/ParallelGen.Extensions.Hosting -c Release --no-build -o \"{feed}\" -p:PackageVersion={version}", Repository.Root, s_slow);
        using (ZipArchive zip = ZipFile.OpenRead(Path.Combine(feed, $"ParallelGen.Extensions.Hosting.{version}.nupkg")))
        {
            string[] entries = [.. zip.Entries.Select(e => e.FullName)];
            output.WriteLine(string.Join("\n", entries));
            Assert.Contains("lib/net10.0/ParallelGen.Extensions.Hosting.dll", entries);
            Assert.Contains("lib/net10.0/ParallelGen.Extensions.Hosting.xml", entries);
            Assert.Contains("README.md", entries);
            using StreamReader nuspec = new(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            string manifest = nuspec.ReadToEnd();
            Assert.Contains($"<dependency id=\"ParallelGen\" version=\"{version}\"", manifest);
            Assert.Contains("<dependency id=\"Microsoft.Extensions.Hosting.Abstractions\" version=\"11.0.0\"", manifest);
            Assert.Contains("<repository type=\"git\" url=\"https://github.com/parallelgen/parallelgen\"", manifest);
        }

        AssertSymbolsPackage(Path.Combine(feed, $"ParallelGen.Extensions.Hosting.{version}.snupkg"), "lib/net10.0/ParallelGen.Extensions.Hosting.pdb");

        string app = NewApp("HostedApp", feed);
        Cli.Dotnet($"add package ParallelGen.Extensions.Hosting --version {version}", app, s_slow);
        Cli.Dotnet("add package Microsoft.Extensions.Hosting --version 11.0.0", app, s_slow);
        File.WriteAllText(Path.Combine(app, "Program.cs"), HostedProgram);

        string run = Cli.Dotnet("run -c Release", app, s_slow);
        output.WriteLine(run);
        Assert.Contains("hosted squares: 0,1,4,9,16,25,36,49,64,81", run);
        Assert.Contains("Process pool ProcessPool started with 2 worker processes", run);
        Assert.Contains("closed: True", run);
    }

    /// <summary>
    /// What a consumer needs from the package: both runtimes with their docs, the generator, the targets that enable
    /// its interceptors, the launcher JIT workers start from, the README, and MemoryPack as a dependency.
    /// </summary>
    private void AssertPackageLayout(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];
        output.WriteLine(string.Join("\n", entries));
        foreach (string expected in (string[])[
            "lib/net8.0/ParallelGen.dll", "lib/net8.0/ParallelGen.xml",
            "lib/net10.0/ParallelGen.dll", "lib/net10.0/ParallelGen.xml",
            "analyzers/dotnet/cs/ParallelGen.Generators.dll",
            "build/ParallelGen.targets", "buildTransitive/ParallelGen.targets",
            "tools/worker/ParallelGen.WorkerHost.dll",
            "README.md"])
        {
            Assert.Contains(expected, entries);
        }

        using StreamReader nuspec = new(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        string manifest = nuspec.ReadToEnd();
        Assert.Contains("<dependency id=\"MemoryPack\" version=\"1.21.4\"", manifest);
        Assert.Contains("<readme>README.md</readme>", manifest);
        Assert.Contains("<repository type=\"git\" url=\"https://github.com/parallelgen/parallelgen\"", manifest);
        Assert.DoesNotContain(entries, e => e.EndsWith(".pdb", StringComparison.Ordinal));
    }

    /// <summary>The symbols package beside a package: the portable PDBs a symbol server serves (SourceLink inside them).</summary>
    private void AssertSymbolsPackage(string symbols, params string[] pdbs)
    {
        Assert.True(File.Exists(symbols), $"No symbols package {symbols}.");
        using ZipArchive zip = ZipFile.OpenRead(symbols);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];
        output.WriteLine(string.Join("\n", entries));
        foreach (string pdb in pdbs)
        {
            Assert.Contains(pdb, entries);
        }
    }

    /// <summary>Checks the output of <see cref="Program"/>, built for the runtime library of <paramref name="frameworkVersion"/>.</summary>
    private static void AssertRanInWorkers(string run, string frameworkVersion)
    {
        Assert.Contains("squares: 0,1,4,9,16,25,36,49,64,81", run);
        Assert.Contains("ran in workers: True", run);
        Assert.Contains("sum: 42", run);
        Assert.Contains($"runtime library built for: .NETCoreApp,Version={frameworkVersion}", run);
    }

    /// <summary>Creates a new console project under the work folder whose package sources include <paramref name="feed"/>.</summary>
    private string NewApp(string name, string feed)
    {
        string app = Path.Combine(_work, name);
        Cli.Dotnet($"new console --framework net10.0 -o {name}", _work, s_slow);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="parallelgen-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        return app;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
