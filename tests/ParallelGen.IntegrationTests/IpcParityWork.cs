using System.Diagnostics;
using MemoryPack;

namespace ParallelGen.IntegrationTests;

/// <summary>Child functions for the Python-parity tests of pipes, closed queues, barriers, conditions and nested proxies.</summary>
public static class IpcParityWork
{
    // Ends a pool task keeps after it returns: a Python worker holds an end past its task only if it stores it too.
    private static readonly List<object> s_kept = [];

    /// <summary>Answers one message after <paramref name="delayMilliseconds"/>, then waits for end of file and closes its end.</summary>
    [ProcessTask]
    public static void AnswerLater(PipeConnection<string> end, int delayMilliseconds)
    {
        string question = end.Receive(TimeSpan.FromSeconds(30));
        Thread.Sleep(delayMilliseconds);
        end.Send(question.ToUpperInvariant());
        try
        {
            end.Receive(TimeSpan.FromSeconds(30));
        }
        catch (EndOfStreamException)
        {
        }

        end.Close();
    }

    /// <summary>Python's idiom in the child: close the end it does not use, then echo on its own until end of file.</summary>
    [ProcessTask]
    public static void CloseUnusedThenEcho(PipeConnection<string> unused, PipeConnection<string> end)
    {
        unused.Close();
        try
        {
            while (true)
            {
                end.Send(end.Receive(TimeSpan.FromSeconds(30)).ToUpperInvariant());
            }
        }
        catch (EndOfStreamException)
        {
            end.Close();
        }
    }

    /// <summary>Sends back every number it receives, until end of file.</summary>
    [ProcessTask]
    public static void EchoNumbers(PipeConnection<int> end)
    {
        using (end)
        {
            try
            {
                while (true)
                {
                    end.Send(end.Receive(TimeSpan.FromSeconds(30)));
                }
            }
            catch (EndOfStreamException)
            {
            }
        }
    }

    /// <summary>Sends one message and returns without closing its end (the process then exits).</summary>
    [ProcessTask]
    public static void SendAndExit(PipeConnection<string> end, string message) => end.Send(message);

    /// <summary>Holds its end, says so, and waits to be killed.</summary>
    [ProcessTask]
    public static void HoldEndUntilKilled(PipeConnection<string> end, ProcessEvent holding)
    {
        s_kept.Add(end);
        holding.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>In a pool worker: meets the other task, sends this worker's pid, then closes its end or keeps it.</summary>
    [ProcessTask]
    public static int SendPidThenCloseOrKeep(PipeConnection<string> end, ProcessBarrier both, bool close)
    {
        both.SignalAndWait(TimeSpan.FromSeconds(30));
        end.Send($"{Environment.ProcessId}:{close}");
        if (close)
        {
            end.Close();
        }
        else
        {
            lock (s_kept)
            {
                s_kept.Add(end);
            }
        }

        return Environment.ProcessId;
    }

    /// <summary>Python's producer idiom: put, then close the queue in this process.</summary>
    [ProcessTask]
    public static int PutAndClose(ProcessQueue<int> queue, int item)
    {
        queue.Put(item);
        queue.Close();
        return Environment.ProcessId;
    }

    /// <summary>Waits at the barrier and reports the outcome: <c>passed:index</c>, or the exception's type and inner type, with the time waited.</summary>
    [ProcessTask]
    public static void WaitAtBarrier(ProcessBarrier barrier, int timeoutMilliseconds, ProcessQueue<string> outcomes)
    {
        Stopwatch watch = Stopwatch.StartNew();
        string outcome;
        try
        {
            int index = timeoutMilliseconds < 0 ? barrier.SignalAndWait() : barrier.SignalAndWait(TimeSpan.FromMilliseconds(timeoutMilliseconds));
            outcome = $"passed:{index}";
        }
        catch (Exception e)
        {
            outcome = $"{e.GetType().Name}:{e.InnerException?.GetType().Name}";
        }

        outcomes.Put($"{timeoutMilliseconds}|{outcome}|{watch.ElapsedMilliseconds}");
    }

    /// <summary>
    /// Goes through <paramref name="phases"/> phases of the barrier with an action of its own that counts phases in
    /// <paramref name="actions"/>; after each wait the count must already include this phase (the action runs before
    /// anyone is released). Throws (exit code 1) if it was not, in any phase.
    /// </summary>
    [ProcessTask]
    public static void CountPhases(ProcessBarrier barrier, SharedValue<int> actions, ProcessQueue<int> runners, int phases)
    {
        barrier.Action = () =>
        {
            actions.Value++;
            runners.Put(Environment.ProcessId);
        };
        int wrong = 0;
        for (int phase = 1; phase <= phases; phase++)
        {
            barrier.SignalAndWait(TimeSpan.FromSeconds(30));
            // The next phase's action cannot run before this party arrives again, so the count is exactly this phase.
            if (actions.Value != phase)
            {
                wrong++;
            }
        }

        if (wrong > 0)
        {
            throw new InvalidOperationException($"In {wrong} of {phases} phases the action had not run exactly once when this party went on.");
        }
    }

    /// <summary>Waits at the barrier with an action that throws; reports what this party saw.</summary>
    [ProcessTask]
    public static void WaitWithFailingAction(ProcessBarrier barrier, ProcessQueue<string> outcomes)
    {
        barrier.Action = () => throw new FormatException("the action failed");
        try
        {
            barrier.SignalAndWait(TimeSpan.FromSeconds(30));
            outcomes.Put("passed");
        }
        catch (Exception e)
        {
            outcomes.Put(e.GetType().Name);
        }
    }

    /// <summary>Runs the barrier's action forever: the party that runs it is killed while doing so.</summary>
    [ProcessTask]
    public static void WaitWithEndlessAction(ProcessBarrier barrier, ProcessEvent running)
    {
        barrier.Action = () =>
        {
            running.Set();
            Thread.Sleep(Timeout.Infinite);
        };
        barrier.SignalAndWait(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits once on the condition (no loop, no predicate) and reports whether it was woken in time.</summary>
    [ProcessTask]
    public static void WaitOnceOnCondition(ProcessCondition condition, ProcessQueue<string> log)
    {
        condition.Enter();
        try
        {
            log.Put("waiting");
            log.Put(condition.Wait(TimeSpan.FromSeconds(20)) ? "woken" : "timed out");
        }
        finally
        {
            condition.Exit();
        }
    }

    /// <summary>Waits on the condition until the shared state reaches <paramref name="target"/>, and reports the state it saw.</summary>
    [ProcessTask]
    public static void WaitForState(ProcessCondition condition, SharedValue<int> state, int target, ProcessQueue<int> log)
    {
        condition.Enter();
        try
        {
            log.Put(-1);
            bool reached = condition.WaitFor(() => state.Value >= target, TimeSpan.FromSeconds(20));
            log.Put(reached ? state.Value : -2);
        }
        finally
        {
            condition.Exit();
        }
    }

    /// <summary>Adds to the list stored under <paramref name="key"/> in a managed dictionary: a proxy inside a proxy.</summary>
    [ProcessTask]
    public static int AddToNestedList(ManagedDictionary<string, ManagedList<long>> lists, string key, long value)
    {
        ManagedList<long> list = lists[key];
        list.Add(value);
        return list.Count;
    }

    /// <summary>Sets an entry in the dictionary at <paramref name="index"/> of a managed list of dictionaries.</summary>
    [ProcessTask]
    public static int SetInNestedDictionary(ManagedList<ManagedDictionary<string, short>> dictionaries, int index, string key, short value)
    {
        ManagedDictionary<string, short> dictionary = dictionaries[index];
        dictionary[key] = value;
        return dictionary.Count;
    }

    /// <summary>Stores a new list, made in the worker, in the dictionary: the parent must be able to read it back.</summary>
    [ProcessTask]
    public static void StoreNewListFromWorker(ManagedDictionary<string, ManagedList<long>> lists, ManagedList<long> made, string key)
    {
        made.Add(Environment.ProcessId);
        lists[key] = made;
    }

    /// <summary>What <see cref="CurrentProcess"/> says here: name, pid, parent pid, role and whether this is a pool worker.</summary>
    [ProcessTask]
    public static string Identity() =>
        $"{CurrentProcess.Name}|{CurrentProcess.Pid}|{CurrentProcess.ParentPid}|{CurrentProcess.Role}|{CurrentProcess.IsPoolWorker}|{Environment.ProcessId}";

    /// <summary><see cref="Identity"/> for one item of a Map (the item only spreads the calls over the workers).</summary>
    [ProcessTask]
    public static string PidOfIdentity(int item)
    {
        Thread.Sleep(item % 3);
        return Identity();
    }

    /// <summary>Reports <see cref="Identity"/> through a queue (a <see cref="WorkerProcess"/> returns nothing).</summary>
    [ProcessTask]
    public static void ReportIdentity(ProcessQueue<string> into) => into.Put(Identity());

    /// <summary>Reports its own identity, then starts a process of its own that reports too.</summary>
    [ProcessTask]
    public static void ReportIdentityAndStartGrandchild(ProcessQueue<string> into)
    {
        into.Put(Identity());
        WorkerProcess grandchild = WorkerProcess.Start(ReportIdentity, into, options: new WorkerProcessOptions { Name = "grandchild" });
        grandchild.Join(TimeSpan.FromSeconds(30));
    }

    /// <summary>Throws the exception named by <paramref name="kind"/>, as a task that validates its input would.</summary>
    [ProcessTask]
    public static int ThrowKind(string kind) => kind switch
    {
        "format" => int.Parse("not a number", System.Globalization.CultureInfo.InvariantCulture),
        "key" => new Dictionary<string, int>()["missing"],
        "price" => throw new PriceOutOfRangeException("price -3 is below zero"),
        "stale" => throw new StalePriceException("the price is 2 days old"),
        _ => throw new InvalidOperationException($"unknown kind {kind}"),
    };

    /// <summary>Appends to a managed list that arrives inside a record: the task's signature names only the record.</summary>
    [ProcessTask]
    public static int AppendToLogInRecord(JobWithLog job)
    {
        job.Log.Add(System.Text.Encoding.UTF8.GetBytes(job.Name));
        return job.Log.Count;
    }
}

/// <summary>The application's own exception type, derived from a well-known one.</summary>
public sealed class PriceOutOfRangeException(string message) : ArgumentOutOfRangeException(null, message);

/// <summary>The application's own exception type, derived from nothing well-known.</summary>
public class PricingException(string message) : Exception(message);

/// <summary>A subtype of the application's own exception type.</summary>
public sealed class StalePriceException(string message) : PricingException(message);

/// <summary>A job that carries a manager proxy as a field; no task signature names <c>ManagedList&lt;byte[]&gt;</c> itself.</summary>
[MemoryPackable]
public sealed partial record JobWithLog(string Name, [property: MemoryPackAllowSerialize] ManagedList<byte[]> Log);
