namespace ParallelGen.Compare;

/// <summary>How the comparison's run went: the machine's load around it and how long it took.</summary>
/// <param name="LoadBefore">The load averages (1, 5, 15 minutes) when the run started: other work on the machine.</param>
/// <param name="LoadAfter">The load averages when it ended, its own work included.</param>
/// <param name="Duration">The whole run, Python, ParallelGen and the Native AOT publish.</param>
internal sealed record RunInfo(string LoadBefore, string LoadAfter, TimeSpan Duration);
