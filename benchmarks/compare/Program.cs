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

// `--probe-pool-per-batch`: the pool-per-batch workload alone, to time it in the Native AOT build of this program.
if (args is ["--probe-pool-per-batch"])
{
    Console.WriteLine(Measurements.PoolPerBatchMs().ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

// `--probe-apply-async`: the steady-state ApplyAsync throughput alone (warmed as the full run warms it), for A/B work.
if (args is ["--probe-apply-async"])
{
    using ProcessPool pool = new(Measurements.Workers);
    await pool.WaitForWorkersAsync();
    await Measurements.WarmUp(pool);
    Console.WriteLine(Measurements.ApplyAsyncPerSecond(pool).ToString("F0", System.Globalization.CultureInfo.InvariantCulture));
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
string loadBefore = Tools.LoadAverage();
Stopwatch runTime = Stopwatch.StartNew();

Console.WriteLine($"1/5 machine limits (pipe ping-pong, memcpy); load average {loadBefore}");
Tools.Run("cc", $"-O2 -o \"{Path.Combine(artifacts, "limits")}\" \"{Path.Combine(AppContext.BaseDirectory, "limits.c")}\"", root);
JsonElement limits = Tools.Json(Tools.Run(Path.Combine(artifacts, "limits"), "", root));

Console.WriteLine("2/5 Python: multiprocessing.Pool (fork, spawn), ProcessPoolExecutor, loky");
PythonSide python = PythonSide.Run(Path.Combine(AppContext.BaseDirectory, "python_mp.py"), Measurements.PrimeLimit, root);

Console.WriteLine("3/5 ParallelGen (JIT)");
Results ours = new() { StartMs = await Measurements.PoolStartMs() };
using (ProcessPool pool = new(Measurements.Workers))
{
    await pool.WaitForWorkersAsync();
    await Measurements.WarmUp(pool);
    ours.ApplyUs = Measurements.ApplyMicroseconds(pool);
    ours.ApplyAsyncPerS = Measurements.ApplyAsyncPerSecond(pool);
    ours.MapPerS = Measurements.MapPerSecond(pool, chunkSize: null);
    ours.Map64PerS = Measurements.MapPerSecond(pool, chunkSize: 64);
    ours.Payload1MiBMBs = Measurements.PayloadMegabytesPerSecond(pool, 1 << 20);
    ours.Payload64MiBMBs = Measurements.PayloadMegabytesPerSecond(pool, 64 << 20);
    ours.Payload64MiBCollectedMBs = Measurements.PayloadMegabytesPerSecond(pool, 64 << 20, collectFirst: true);
    (ours.SerialMs, ours.PoolMs, ours.ParallelForMs, _) = Measurements.CpuBound(pool);
    (ours.SharedHandOffUs, ours.SharedWireBytes) = Measurements.SharedArrayHandOff(pool);
    (ours.SkewedMs, ours.SkewedUnordered) = Measurements.SkewedDurations(pool);
}

ours.PoolPerBatchMs = Measurements.PoolPerBatchMs();
JsonElement imap = Tools.Json(Tools.Run("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "Compare.dll")}\" --probe-imap", root));
ours.ImapPerS = imap.GetProperty("imap_per_s").GetDouble();
ours.ImapPeakMb = imap.GetProperty("peak_mb").GetDouble();

Console.WriteLine("4/5 ParallelGen pool start-up and pool-per-batch under Native AOT (publishing this program with AOT)");
string aotDirectory = Path.Combine(artifacts, "aot");
Tools.Run("dotnet", $"publish \"{Path.Combine(root, "benchmarks", "compare")}\" -c Release -r linux-x64 -p:Aot=true -o \"{aotDirectory}\"", root);
ours.AotStartMs = double.Parse(Tools.Run(Path.Combine(aotDirectory, "Compare"), "--probe-startup", root).Trim(), System.Globalization.CultureInfo.InvariantCulture);
ours.AotPoolPerBatchMs = double.Parse(Tools.Run(Path.Combine(aotDirectory, "Compare"), "--probe-pool-per-batch", root).Trim(), System.Globalization.CultureInfo.InvariantCulture);

Console.WriteLine("5/5 writing docs/performance.md");
string page = Path.Combine(root, "docs", "performance.md");
IReadOnlyList<string> preserved = File.Exists(page) ? PreservedSections.Extract(File.ReadAllText(page)) : [];
RunInfo run = new(loadBefore, Tools.LoadAverage(), runTime.Elapsed);
string report = PreservedSections.Insert(Report.Build(limits, python, ours, run), preserved, "## Notes");
#if CLUSTER
report = ClusterBench.Splice(report, await ClusterBench.MeasureSectionAsync()); // the cluster section: ClusterBench.cs
#endif
File.WriteAllText(page, report);
Console.WriteLine(report);
return 0;
