using System.Diagnostics;
using System.Text.Json;
using ParallelGen;
using ParallelGen.Benchmarks;
using ParallelGen.Compare;

#if CLUSTER
// ---- Cluster (ParallelGen.Orleans), kept apart: ClusterBench.cs ----------------------------------------------------
// This same program is the cluster benchmark's worker node when started with --pg-node.
if (await ParallelGenNode.TryRunAsync(args))
{
    return Environment.ExitCode;
}

// `--cluster`: measure the cluster section alone and rewrite only that section of docs/performance.md.
if (args is ["--cluster"])
{
    string performance = Path.Combine(ParallelGen.Testing.Repository.Root, "docs", "performance.md");
    string section = await ClusterBench.MeasureSectionAsync();
    File.WriteAllText(performance, ClusterBench.Splice(File.ReadAllText(performance), section));
    Console.WriteLine(section);
    return 0;
}
#endif

// ---- The local comparison -------------------------------------------------------------------------------------------
// `--probe-startup`: used by the comparison itself, to time pool start-up in the Native AOT build of this program.
if (args is ["--probe-startup"])
{
    Console.WriteLine((await Measurements.PoolStartMs()).ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

// `--probe-imap`: run in a process of its own, so that its peak working set is the Imap's alone.
if (args is ["--probe-imap"])
{
    (double rate, double peak) = await Measurements.ImapTenMillion();
    Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{\"imap_per_s\": {rate:F0}, \"peak_mb\": {peak:F1}}}"));
    return 0;
}

// `--probe-payload <bytes>`: the distribution of Echo round trips of one size, for work on the transport.
if (args is ["--probe-payload", string sizeText])
{
    using ProcessPool pool = new(Measurements.Workers);
    await pool.WaitForWorkersAsync();
    byte[] data = new byte[int.Parse(sizeText, System.Globalization.CultureInfo.InvariantCulture)];
    List<double> samples = [];
    for (int i = 0; i < 200; i++)
    {
        long start = Stopwatch.GetTimestamp();
        pool.Apply(BenchTasks.Echo, data);
        samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
    }

    List<double> warm = samples[100..]; // the first half warms the JIT up in the parent and the workers
    warm.Sort();
    Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{data.Length} bytes: p10 {warm[10]:F0} µs, median {warm[50]:F0} µs, p90 {warm[90]:F0} µs, {data.Length / warm[50]:F0} MB/s at the median"));
    return 0;
}

string root = ParallelGen.Testing.Repository.Root;
string artifacts = Directory.CreateDirectory(Path.Combine(root, "artifacts", "compare")).FullName;

Console.WriteLine("1/5 machine limits (pipe ping-pong, memcpy)");
Tools.Run("cc", $"-O2 -o \"{Path.Combine(artifacts, "limits")}\" \"{Path.Combine(AppContext.BaseDirectory, "limits.c")}\"", root);
JsonElement limits = Tools.Json(Tools.Run(Path.Combine(artifacts, "limits"), "", root));

Console.WriteLine("2/5 Python multiprocessing, fork and spawn");
string script = Path.Combine(AppContext.BaseDirectory, "python_mp.py");
JsonElement fork = Tools.Json(Tools.Run("python3", $"\"{script}\" fork {Measurements.PrimeLimit}", root));
JsonElement spawn = Tools.Json(Tools.Run("python3", $"\"{script}\" spawn {Measurements.PrimeLimit}", root));

Console.WriteLine("3/5 ParallelGen (JIT)");
Results ours = new() { StartMs = await Measurements.PoolStartMs() };
using (ProcessPool pool = new(Measurements.Workers))
{
    await pool.WaitForWorkersAsync();

    // Steady state, as BenchmarkDotNet measures it: run every workload until the tiered JIT (in the parent and in
    // both workers) has compiled the hot paths, then let the background compilation finish.
    for (int round = 0; round < 3; round++)
    {
        Measurements.ApplyMicroseconds(pool);
        Measurements.ApplyAsyncPerSecond(pool, runs: 1);
        Measurements.MapPerSecond(pool, chunkSize: null, runs: 1);
        await Task.Delay(300);
    }
    ours.ApplyUs = Measurements.ApplyMicroseconds(pool);
    ours.ApplyAsyncPerS = Measurements.ApplyAsyncPerSecond(pool);
    ours.MapPerS = Measurements.MapPerSecond(pool, chunkSize: null);
    ours.Map64PerS = Measurements.MapPerSecond(pool, chunkSize: 64);
    ours.Payload1MiBMBs = Measurements.PayloadMegabytesPerSecond(pool, 1 << 20);
    ours.Payload64MiBMBs = Measurements.PayloadMegabytesPerSecond(pool, 64 << 20);
    ours.Payload64MiBCollectedMBs = Measurements.PayloadMegabytesPerSecond(pool, 64 << 20, collectFirst: true);
    (ours.SerialMs, ours.PoolMs, ours.ParallelForMs, _) = Measurements.CpuBound(pool);
    (ours.SharedHandOffUs, ours.SharedWireBytes) = Measurements.SharedArrayHandOff(pool);
}

JsonElement imap = Tools.Json(Tools.Run("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "Compare.dll")}\" --probe-imap", root));
ours.ImapPerS = imap.GetProperty("imap_per_s").GetDouble();
ours.ImapPeakMb = imap.GetProperty("peak_mb").GetDouble();

Console.WriteLine("4/5 ParallelGen pool start-up under Native AOT (publishing this program with AOT)");
string aotDirectory = Path.Combine(artifacts, "aot");
Tools.Run("dotnet", $"publish \"{Path.Combine(root, "benchmarks", "compare")}\" -c Release -r linux-x64 -p:Aot=true -o \"{aotDirectory}\"", root);
ours.AotStartMs = double.Parse(Tools.Run(Path.Combine(aotDirectory, "Compare"), "--probe-startup", root).Trim(), System.Globalization.CultureInfo.InvariantCulture);

Console.WriteLine("5/5 writing docs/performance.md");
string report = Report.Build(limits, fork, spawn, ours);
#if CLUSTER
report = ClusterBench.Splice(report, await ClusterBench.MeasureSectionAsync()); // the cluster section: ClusterBench.cs
#endif
File.WriteAllText(Path.Combine(root, "docs", "performance.md"), report);
Console.WriteLine(report);
return 0;

/// <summary>What the ParallelGen side measured.</summary>
internal sealed class Results
{
    public double StartMs { get; set; }
    public double AotStartMs { get; set; }
    public double ApplyUs { get; set; }
    public double ApplyAsyncPerS { get; set; }
    public double MapPerS { get; set; }
    public double Map64PerS { get; set; }
    public double Payload1MiBMBs { get; set; }
    public double Payload64MiBMBs { get; set; }
    public double Payload64MiBCollectedMBs { get; set; }
    public double SerialMs { get; set; }
    public double PoolMs { get; set; }
    public double ParallelForMs { get; set; }
    public double SharedHandOffUs { get; set; }
    public int SharedWireBytes { get; set; }
    public double ImapPerS { get; set; }
    public double ImapPeakMb { get; set; }
}

/// <summary>Runs the helper programs of the comparison.</summary>
internal static class Tools
{
    public static string Run(string fileName, string arguments, string workingDirectory)
    {
        ProcessStartInfo start = new(fileName, arguments) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {arguments} took more than 10 minutes");
        }

        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{fileName} {arguments} failed ({process.ExitCode}):\n{output}\n{error.Result}");
    }

    public static JsonElement Json(string output) => JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
}
