using System.Diagnostics;
using FolderCopy;
using ParallelGen;
using Spectre.Console;

// Usage: FolderCopy [source destination]. Without arguments, copies a generated folder of 400 files and verifies it.
bool demo = args.Length == 0;
string source = demo ? CreateDemoFolder(Path.Combine(Path.GetTempPath(), $"parallelgen-foldercopy-{Environment.ProcessId}", "source")) : Path.GetFullPath(args[0]);
string destination = demo ? Path.Combine(Path.GetDirectoryName(source)!, "copy") : Path.GetFullPath(args[1]);

(string, string)[] jobs =
[
    .. Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
        .Select(file => (file, Path.Combine(destination, Path.GetRelativePath(source, file)))),
];
AnsiConsole.MarkupLine($"Copying [bold]{jobs.Length}[/] files from {Markup.Escape(source)} to {Markup.Escape(destination)}");

Stopwatch watch = Stopwatch.StartNew();
await using ProcessPool pool = new();
long[] sizes = [];
await AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
    .StartAsync(async context =>
    {
        ProgressTask bar = context.AddTask("copying", maxValue: jobs.Length);
        Progress<PoolProgress> progress = new(p => bar.Value = p.Completed);
        sizes = await pool.StarmapAsync(Copier.CopyFile, jobs, chunkSize: 4, progress: progress);
        bar.Value = jobs.Length;
    });

double megabytes = sizes.Sum() / 1e6;
AnsiConsole.MarkupLine($"Copied {jobs.Length} files, {megabytes:F1} MB, in {watch.ElapsedMilliseconds} ms with {pool.Processes} worker processes.");

int mismatches = jobs.Count(job => !File.ReadAllBytes(job.Item1).AsSpan().SequenceEqual(File.ReadAllBytes(job.Item2)));
if (mismatches > 0)
{
    AnsiConsole.MarkupLine($"[red]{mismatches} files differ from their source.[/]");
    return 1;
}

AnsiConsole.MarkupLine($"[green]Verified every byte of {jobs.Length} files.[/]");
if (demo)
{
    Directory.Delete(Path.GetDirectoryName(source)!, recursive: true);
}

return 0;

static string CreateDemoFolder(string root)
{
    Random random = new(42);
    for (int i = 0; i < 400; i++)
    {
        string folder = Path.Combine(root, $"dir{i % 8}");
        Directory.CreateDirectory(folder);
        byte[] data = new byte[random.Next(1_000, 200_000)];
        random.NextBytes(data);
        File.WriteAllBytes(Path.Combine(folder, $"file{i:D3}.bin"), data);
    }

    return root;
}
