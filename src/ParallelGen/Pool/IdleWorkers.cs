using ParallelGen.Backends;
using ParallelGen.Protocol;

namespace ParallelGen.Pool;

/// <summary>
/// The workers of disposed pools that wait, for a while, to serve the next pool of the same shape (loky's reusable
/// executor, done the ADO.NET connection-pool way: disposing a pool hands its idle workers back, and a new pool takes
/// them before it starts any).
/// </summary>
/// <remarks>
/// <para>A shape is the backend's <see cref="IWorkerBackend.ReuseKey"/> (program, limits, environment) and the pool's
/// initializer (its task and its serialized arguments), so a reused worker is in every respect one the new pool could
/// have started; only its static fields remember the tasks it ran before.</para>
/// <para>A parked worker exits after its pool's <c>IdleWorkerTimeout</c>, when more than
/// <see cref="Capacity"/> are parked (the oldest go first), on <see cref="ReleaseAll"/>, and with this process.</para>
/// <para>Lock order: a scheduler's lock is never held while this one's is taken.</para>
/// </remarks>
internal static class IdleWorkers
{
    private static readonly LinkedList<Parked> s_parked = [];
    private static bool s_hooked;

    /// <summary>Gets how many workers may wait at most: twice the processor count, or one pool's worth if that is more.</summary>
    private static int Capacity => 2 * Environment.ProcessorCount;

    /// <summary>Gets how many workers are parked now.</summary>
    public static int Count
    {
        get
        {
            lock (s_parked)
            {
                return s_parked.Count;
            }
        }
    }

    /// <summary>Parks <paramref name="channel"/>, an idle started worker, under <paramref name="key"/>.</summary>
    /// <returns><see langword="false"/> if it cannot be parked (it is gone); the caller shuts it down.</returns>
    public static bool TryPark(string key, IWorkerChannel channel, long itemsAssigned, TimeSpan keepAlive, int poolSize)
    {
        Parked parked = new(key, channel, itemsAssigned);
        if (!channel.TryRebind(parked))
        {
            return false;
        }

        List<Parked> evicted = [];
        lock (s_parked)
        {
            if (!s_hooked)
            {
                s_hooked = true;
                AppDomain.CurrentDomain.ProcessExit += static (_, _) => ReleaseAll();
            }

            parked.Node = s_parked.AddLast(parked);
            int capacity = Math.Max(Capacity, poolSize);
            while (s_parked.Count > capacity)
            {
                Parked oldest = s_parked.First!.Value;
                Remove(oldest);
                evicted.Add(oldest);
            }

            parked.Expiry = new Timer(static state => Expire((Parked)state!), parked, keepAlive, Timeout.InfiniteTimeSpan);
        }

        // Start releases the events held for the new owner: the parked sink hears them from now on.
        channel.Start();
        foreach (Parked old in evicted)
        {
            old.Channel.Shutdown();
        }

        return true;
    }

    /// <summary>Takes the most recently parked worker of <paramref name="key"/> for <paramref name="owner"/>, if any.</summary>
    /// <returns>The worker, its events rebound to <paramref name="owner"/> and held until its <c>Start</c>; or <see langword="null"/>.</returns>
    public static (IWorkerChannel Channel, long ItemsAssigned)? TryTake(string key, IWorkerEvents owner)
    {
        while (true)
        {
            Parked? taken = null;
            lock (s_parked)
            {
                for (LinkedListNode<Parked>? node = s_parked.Last; node is not null; node = node.Previous)
                {
                    if (node.Value.Key == key)
                    {
                        taken = node.Value;
                        Remove(taken);
                        break;
                    }
                }
            }

            if (taken is null)
            {
                return null;
            }

            if (taken.Channel.TryRebind(owner))
            {
                return (taken.Channel, taken.ItemsAssigned);
            }

            // It died while parked: try the next one.
        }
    }

    /// <summary>Shuts every parked worker down.</summary>
    public static void ReleaseAll()
    {
        List<Parked> all;
        lock (s_parked)
        {
            all = [.. s_parked];
            foreach (Parked parked in all)
            {
                Remove(parked);
            }
        }

        foreach (Parked parked in all)
        {
            parked.Channel.Shutdown();
        }
    }

    private static void Expire(Parked parked)
    {
        lock (s_parked)
        {
            if (parked.Node is null)
            {
                return; // taken meanwhile
            }

            Remove(parked);
        }

        parked.Channel.Shutdown();
    }

    /// <summary>Under the lock.</summary>
    private static void Remove(Parked parked)
    {
        if (parked.Node is not null)
        {
            s_parked.Remove(parked.Node);
            parked.Node = null;
        }

        parked.Expiry?.Dispose();
    }

    /// <summary>A parked worker, and the owner of its events while it waits: it only listens for its exit.</summary>
    private sealed class Parked(string key, IWorkerChannel channel, long itemsAssigned) : IWorkerEvents
    {
        public string Key { get; } = key;

        public IWorkerChannel Channel { get; } = channel;

        public long ItemsAssigned { get; } = itemsAssigned;

        public LinkedListNode<Parked>? Node { get; set; }

        public Timer? Expiry { get; set; }

        public void OnReady(IWorkerChannel worker)
        {
            // The channel says so whenever it changes hands; nothing to do.
        }

        public void OnDone(IWorkerChannel worker, in DoneFrame done) => worker.Kill("it answered a call while no pool owned it");

        public void OnTimedOut(IWorkerChannel worker, long runId) => worker.Kill();

        public void OnIdle(IWorkerChannel worker)
        {
        }

        public void OnExited(IWorkerChannel worker, WorkerExit exit)
        {
            lock (s_parked)
            {
                Remove(this);
            }
        }
    }
}
