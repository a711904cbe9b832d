using System.Diagnostics;
using Cluster;
using ParallelGen;

// In node mode (--pg-node --join host:port) this program is a worker node, and that is all it does.
if (await ParallelGenNode.TryRunAsync(args))
{
    return;
}

// Otherwise it is the coordinator: a ClusterPool on a free loopback port, and two nodes of this very program.
int limit = args.Length > 0 ? int.Parse(args[0]) : 3_000_000;
const int Chunks = 16;
(int Start, int End)[] ranges = [.. Enumerable.Range(0, Chunks).Select(i => ((int)((long)limit * i / Chunks), (int)((long)limit * (i + 1) / Chunks)))];

ClusterPool pool = await ClusterPool.StartAsync(new ClusterPoolOptions { Listen = 0 });
Console.WriteLine($"coordinator listening on {pool.Endpoint}; starting two worker nodes of this program");
Process[] nodes = [StartNode("node-1", pool), StartNode("node-2", pool)];
int exitCode = 0;
try
{
    await pool.WaitForNodesAsync(2).WaitAsync(TimeSpan.FromSeconds(60));
    foreach (ClusterNodeInfo node in pool.Nodes)
    {
        Console.WriteLine($"attached: {node}");
    }

    Stopwatch watch = Stopwatch.StartNew();
    ChunkReport[] reports = await pool.StarmapAsync(PrimeWork.CountPrimes, ranges, chunkSize: 1);
    TimeSpan elapsed = watch.Elapsed;
    for (int i = 0; i < Chunks; i++)
    {
        ChunkReport r = reports[i];
        Console.WriteLine($"chunk {i,2} [{ranges[i].Start,9:N0}, {ranges[i].End,9:N0}): {r.Primes,7:N0} primes on {r.Node} (worker pid {r.WorkerPid}) in {r.Milliseconds,6:F0} ms");
    }

    foreach (IGrouping<string, ChunkReport> node in reports.GroupBy(r => r.Node).OrderBy(g => g.Key))
    {
        Console.WriteLine($"{node.Key}: {node.Count()} chunks");
    }

    int total = reports.Sum(r => r.Primes);
    int expected = Enumerable.Range(0, limit).Count(PrimeWork.IsPrime);
    Console.WriteLine($"{total:N0} primes below {limit:N0} in {elapsed.TotalMilliseconds:F0} ms on {pool.Processes} node workers; serial check: {expected:N0}");
    if (total != expected || reports.Select(r => r.Node).Distinct().Count() != 2)
    {
        Console.Error.WriteLine("MISMATCH: the cluster's count differs, or a node got no work.");
        exitCode = 1;
    }
}
finally
{
    // The nodes stop by themselves once their coordinator is gone.
    await pool.DisposeAsync();
    foreach (Process node in nodes)
    {
        if (!node.WaitForExit(TimeSpan.FromSeconds(15)))
        {
            Console.Error.WriteLine($"node process {node.Id} did not stop; killing it");
            node.Kill(entireProcessTree: true);
            exitCode = 1;
        }
    }
}

Environment.ExitCode = exitCode;

static Process StartNode(string name, ClusterPool pool)
{
    // This program again: its apphost, or "dotnet Cluster.dll" when started that way.
    string self = Environment.ProcessPath!;
    ProcessStartInfo start = Path.GetFileNameWithoutExtension(self) == "dotnet"
        ? new ProcessStartInfo(self) { ArgumentList = { typeof(PrimeWork).Assembly.Location } }
        : new ProcessStartInfo(self);
    foreach (string arg in new[] { "--pg-node", "--join", $"127.0.0.1:{pool.Endpoint.Port}", "--name", name, "--workers", "1" })
    {
        start.ArgumentList.Add(arg);
    }

    return Process.Start(start)!;
}
