using ParallelGen;

// A worker node when started with --pg-node; nothing else.
if (await ParallelGenNode.TryRunAsync(args))
{
    return;
}

Console.Error.WriteLine("This is the cluster tests' node program: start it with --pg-node --join host:port.");
Console.Error.WriteLine(ParallelGenNodeOptions.Usage);
Environment.ExitCode = 2;
