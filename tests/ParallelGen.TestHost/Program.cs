using System.Diagnostics;
using ParallelGen;
using ParallelGen.TestHost;

// Modes:
//   hold-pool <n>     start n workers busy in endless tasks, print "pids: a,b", then wait to be killed
//   chatty <mb>       two tasks each write <mb> MB to stdout and stderr; print "done <bytes>"
//   soak <seconds>    tiny tasks with MaxTasksPerWorker = 1000 for that long; print the parent's memory, descriptors and
//                     segments over time, and exit 1 if any of them grew (see Soak.cs)
//   processes <path>  start a daemon WorkerProcess that never ends and a non-daemon one that writes <path> after 1 s;
//                     print "pids: daemon,other", then return from Main at once
//   restart-failure   run out of descriptors while the workers are killed, then free them; print what the pool did
//                     at each stage (see RestartFailure.cs)
//   rates             the scheduling figures of issues 13 and 14 (ApplyAsync and Map throughput, skewed durations,
//                     pool per batch, quick calls behind an endless one), for work on the scheduler (see Rates.cs)
//   orphans           a pool of one whose task started `sleep 300`, beside a shared array; print "pids: worker,sleeper",
//                     then wait to be killed (what the worker leaves behind when its parent dies)
//   stdin             a worker reads a line of its stdin, then the parent reads one of its own; print both
//   types             tuples, collections, enums, queues and shared arrays through workers (run under Native AOT by the package tests)
InheritedSignals.RestoreInterrupt();
switch (args)
{
    case ["types"]:
    {
        using ProcessPool pool = new(2);
        string described = pool.Apply(HostTasks.Describe, "ann", 41, Mood.Busy);
        Dictionary<string, int> counts = pool.Apply(HostTasks.CountWords, new List<string> { "a", "b", "a" });
        string[] many = pool.Starmap(HostTasks.Describe, new[] { ("x", 1, Mood.Calm), ("y", 2, Mood.Busy) });
        using ProcessQueue<string> log = new();
        using SharedArray<float> data = new(1000);
        int filled = pool.Apply(HostTasks.Report, log, data, 2.5f);
        Console.WriteLine($"{described} a={counts["a"]} {string.Join(",", many)} {log.Get(TimeSpan.FromSeconds(10))} {filled} {data[999]}");
        return 0;
    }

    case ["processes", string path]:
    {
        WorkerProcess daemon = WorkerProcess.Start(HostTasks.BusyForever, 0, options: new WorkerProcessOptions { Daemon = true });
        WorkerProcess other = WorkerProcess.Start(HostTasks.SleepThenWrite, 1000, path, "finished");
        Console.WriteLine($"pids: {daemon.Pid},{other.Pid}");
        Console.Out.Flush();
        return 0;
    }

    case ["orphans"]:
    {
        using SharedArray<int> shared = new(16);
        using ProcessPool pool = new(1);
        int sleeper = pool.Apply(HostTasks.StartSleeper, 300);
        Console.WriteLine($"pids: {pool.WorkerPids.Single()},{sleeper}");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    case ["stdin"]:
    {
        using ProcessPool pool = new(1);
        string worker = pool.Apply(HostTasks.ReadLine);
        string parent = Console.In.ReadLine() ?? "<eof>";
        Console.WriteLine($"worker: {worker}; parent: {parent}");
        return 0;
    }

    case ["hold-pool", string count]:
    {
        using ProcessPool pool = new(int.Parse(count));
        await pool.WaitForWorkersAsync();
        int[] pids = [.. pool.WorkerPids];
        foreach (int pid in pids)
        {
            _ = pool.ApplyAsync(HostTasks.BusyForever, 0);
        }

        Console.WriteLine($"pids: {string.Join(",", pids)}");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    case ["chatty", string megabytes]:
    {
        using ProcessPool pool = new(2);
        long[] written = pool.Map(HostTasks.Chatter, new[] { int.Parse(megabytes), int.Parse(megabytes) }, chunkSize: 1);
        Console.WriteLine($"done {written.Sum()}");
        return 0;
    }

    case ["rates"]:
        return await Rates.RunAsync();

    case ["rates", "throughput"]:
        return await Rates.RunAsync(throughputOnly: true);

    case ["restart-failure"]:
        return RestartFailure.Run();

    case ["soak", string seconds]:
        return await Soak.RunAsync(TimeSpan.FromSeconds(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)));

    default:
        Console.Error.WriteLine("usage: ParallelGen.TestHost hold-pool <n> | processes <path> | chatty <mb> | soak <seconds>");
        return 2;
}
