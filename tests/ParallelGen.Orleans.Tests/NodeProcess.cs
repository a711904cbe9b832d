using System.Diagnostics;
using System.Text;

namespace ParallelGen.Orleans.Tests;

/// <summary>
/// A worker node in a process of its own: tests/ParallelGen.Orleans.TestNode (or its other build) started with
/// <c>--pg-node</c>. Records its output and every process it starts (its local pool's workers), and on dispose kills it
/// and checks that none of them is left.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HashSet<int> _descendants = [];

    private NodeProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a node that joins the coordinator at <paramref name="join"/>, or the Redis cluster <paramref name="redis"/>.</summary>
    public static NodeProcess Start(string name, string? join = null, string? redis = null, string clusterId = "parallelgen", int workers = 1, bool otherBuild = false, params string[] extra)
    {
        List<string> args = [Program(otherBuild), "--pg-node", "--name", name, "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cluster-id", clusterId, "--probe-timeout", "1"];
        if (join is not null)
        {
            args.AddRange(["--join", join]);
        }

        if (redis is not null)
        {
            args.AddRange(["--redis", redis]);
        }

        args.AddRange(extra);
        ProcessStartInfo info = new(Dotnet())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new NodeProcess(Process.Start(info)!, name);
    }

    /// <summary>Records the processes the node has started so far (its workers).</summary>
    public void RememberDescendants()
    {
        lock (_descendants)
        {
            foreach (int pid in Descendants(_process.Id))
            {
                _descendants.Add(pid);
            }
        }
    }

    /// <summary>Gets the node's worker processes now.</summary>
    public IReadOnlyList<int> Workers => Descendants(_process.Id);

    /// <summary>SIGKILL, as a machine that goes away: the node cannot say goodbye.</summary>
    public void KillHard()
    {
        RememberDescendants();
        _process.Kill(entireProcessTree: false);
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Dispose()
    {
        RememberDescendants();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        _process.WaitForExit(5000);
        int[] pids;
        lock (_descendants)
        {
            pids = [.. _descendants];
        }

        // Its workers die with it (they watch their parent).
        Processes.AssertAllExited([.. pids, _process.Id], TimeSpan.FromSeconds(5));
        _process.Dispose();
    }

    private static List<int> Descendants(int root)
    {
        Dictionary<int, List<int>> children = [];
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                int parent = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                if (!children.TryGetValue(parent, out List<int>? list))
                {
                    children[parent] = list = [];
                }

                list.Add(pid);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }

        List<int> found = [];
        Queue<int> next = new([root]);
        while (next.TryDequeue(out int pid))
        {
            foreach (int child in children.GetValueOrDefault(pid) ?? [])
            {
                found.Add(child);
                next.Enqueue(child);
            }
        }

        return found;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string Dotnet() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private static string Program(bool otherBuild)
    {
        // tests/ParallelGen.Orleans.Tests/bin/<configuration>/<tfm>/ → tests/<project>/bin/<configuration>/<tfm>/
        DirectoryInfo tfm = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string project = otherBuild ? "ParallelGen.Orleans.OtherBuild" : "ParallelGen.Orleans.TestNode";
        return Path.Combine(tfm.Parent!.Parent!.Parent!.Parent!.FullName, project, "bin", tfm.Parent.Name, tfm.Name, "ParallelGen.Orleans.TestNode.dll");
    }
}
