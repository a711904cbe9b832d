namespace ParallelGen.Orleans.Tests;

/// <summary>
/// What a node's local pool must do for its coordinator, through a local pool here: a result that is ready goes back at
/// once, even while the worker has more calls queued (a result held on a node is lost with the node).
/// </summary>
public sealed class NodeLocalPoolTests
{
    [Fact]
    public Task A_finished_result_is_not_held_behind_the_calls_queued_after_it_in_its_worker() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        ProcessPool pool = test.Pool;

        // Short calls first: the worker's window widens, so the next calls are all queued in the one worker.
        for (int i = 0; i < 300; i++)
        {
            pool.Apply(ClusterTasks.Square, i);
        }

        string open = Path.Combine(Path.GetTempPath(), $"pg-open-{Guid.NewGuid():N}");
        string gate = Path.Combine(Path.GetTempPath(), $"pg-hold-{Guid.NewGuid():N}");
        File.WriteAllText(open, "open");
        try
        {
            // Eleven calls in one dispatch, so one write: the first can finish at once, the others wait at a gate.
            IEnumerable<(string, int)> items = [(open, 0), .. Enumerable.Range(1, 10).Select(i => (gate, i))];
            TaskCompletionSource<int> first = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<int> all = Task.Run(async () =>
            {
                int count = 0;
                await foreach (Placement result in pool.ImapAsync(ClusterTasks.PassGate, items))
                {
                    if (count++ == 0)
                    {
                        first.SetResult(result.Value);
                    }
                }

                return count;
            });

            // The first result must arrive while the others still wait.
            Assert.Equal(0, await first.Task.WaitAsync(TimeSpan.FromSeconds(10)));
            File.WriteAllText(gate, "open");
            Assert.Equal(11, await all);
        }
        finally
        {
            File.Delete(open);
            File.Delete(gate);
        }
    });
}
