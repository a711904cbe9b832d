using System.Text.Json;

namespace ParallelGen.Compare;

/// <summary>One Python pool's figures, from one run of python_mp.py.</summary>
/// <param name="Engine">The pool, as python_mp.py names it: <c>fork</c>, <c>spawn</c>, <c>executor</c> or <c>loky</c>.</param>
/// <param name="Header">The table's column header.</param>
/// <param name="Figures">python_mp.py's JSON output.</param>
internal sealed record PythonColumn(string Engine, string Header, JsonElement Figures)
{
    public double this[string name] => Figures.GetProperty(name).GetDouble();

    public int[] Order(string name) => [.. Figures.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}

/// <summary>
/// Every Python pool of the comparison, run with one interpreter: <c>multiprocessing.Pool</c> with <c>fork</c> and
/// <c>spawn</c>, <c>concurrent.futures.ProcessPoolExecutor</c>, and loky's reusable executor when loky can be imported.
/// </summary>
/// <param name="Executable">The interpreter every column ran with.</param>
/// <param name="Version">Its version.</param>
/// <param name="LokyVersion">loky's version, or null when its column was left out.</param>
/// <param name="LokyMissing">Why loky's column was left out, or null.</param>
/// <param name="Columns">The columns, in table order.</param>
internal sealed record PythonSide(string Executable, string Version, string? LokyVersion, string? LokyMissing, IReadOnlyList<PythonColumn> Columns)
{
    public PythonColumn Fork => Columns.Single(c => c.Engine == "fork");

    public PythonColumn Spawn => Columns.Single(c => c.Engine == "spawn");

    /// <summary>
    /// Runs every pool with the first interpreter that can import loky, from <c>$PYTHON</c> if set, else
    /// <c>python3</c> on the PATH and then <c>/usr/bin/python3</c> (Debian's <c>python3-joblib</c> installs loky for that
    /// one only); with none, the first that runs, and loky's column is left out.
    /// </summary>
    public static PythonSide Run(string script, int primeLimit, string workingDirectory)
    {
        string[] candidates = Environment.GetEnvironmentVariable("PYTHON") is { Length: > 0 } chosen ? [chosen] : ["python3", "/usr/bin/python3"];
        List<(string Command, JsonElement Modules)> found = [];
        foreach (string candidate in candidates)
        {
            try
            {
                found.Add((candidate, Tools.Json(Tools.Run(candidate, $"\"{script}\" modules", workingDirectory))));
            }
            catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                Console.WriteLine($"   {candidate}: not usable ({error.Message.Split('\n')[0]})");
            }
        }

        if (found.Count == 0)
        {
            throw new InvalidOperationException($"No Python interpreter found (tried {string.Join(", ", candidates)}); set PYTHON.");
        }

        (string command, JsonElement modules) = found.FirstOrDefault(f => f.Modules.GetProperty("loky").ValueKind == JsonValueKind.String, found[0]);
        string? loky = modules.GetProperty("loky").ValueKind == JsonValueKind.String ? modules.GetProperty("loky").GetString() : null;
        string? missing = loky is null
            ? $"{string.Join(" and ", found.Select(f => f.Modules.GetProperty("executable").GetString()))} cannot import loky or joblib ({modules.GetProperty("loky_error").GetString()})"
            : null;

        List<PythonColumn> columns = [];
        foreach (string engine in loky is null ? ["fork", "spawn", "executor"] : new[] { "fork", "spawn", "executor", "loky" })
        {
            Console.WriteLine($"   {command} python_mp.py {engine}");
            JsonElement figures = Tools.Json(Tools.Run(command, $"\"{script}\" {engine} {primeLimit}", workingDirectory));
            string header = engine switch
            {
                "fork" or "spawn" => $"Python `Pool` (`{engine}`)",
                "executor" => $"`ProcessPoolExecutor` (`{figures.GetProperty("start_method").GetString()}`)",
                _ => $"loky {loky} (reusable executor)",
            };
            columns.Add(new PythonColumn(engine, header, figures));
        }

        return new PythonSide(modules.GetProperty("executable").GetString()!, modules.GetProperty("python").GetString()!, loky, missing, columns);
    }

    /// <summary>The best figure of every column: the highest, or with <paramref name="lowerIsBetter"/> the lowest.</summary>
    public double Best(string name, bool lowerIsBetter = false) =>
        lowerIsBetter ? Columns.Min(c => c[name]) : Columns.Max(c => c[name]);
}
