"""The comparison workloads with Python's multiprocessing (standard library only).

Usage: python3 python_mp.py fork|spawn  -> prints one JSON object with the figures.
The same workloads run in ParallelGen from benchmarks/compare/Program.cs, in the same run.
"""
import json
import multiprocessing as mp
import statistics
import sys
import time

WORKERS = 2
PAYLOAD = 64 * 1024 * 1024


def identity(x):
    return x


def echo(data):
    return data


def count_primes(start, end):
    count = 0
    for n in range(max(start, 2), end):
        if n < 4:
            count += 1
            continue
        if n % 2 == 0:
            continue
        d = 3
        prime = True
        while d * d <= n:
            if n % d == 0:
                prime = False
                break
            d += 2
        if prime:
            count += 1
    return count


def _ready(barrier, queue):
    barrier.wait()
    queue.put(1)


def pool_start_ms(ctx):
    """Time from Pool() until every worker has run its initializer and answered."""
    samples = []
    for _ in range(5):
        barrier = ctx.Barrier(WORKERS)
        queue = ctx.SimpleQueue()
        start = time.perf_counter()
        pool = ctx.Pool(WORKERS, initializer=_ready, initargs=(barrier, queue))
        for _ in range(WORKERS):
            queue.get()
        samples.append((time.perf_counter() - start) * 1000)
        pool.terminate()
        pool.join()
    return statistics.median(samples)


def main():
    method = sys.argv[1]
    ctx = mp.get_context(method)
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    result = {"method": method, "python": sys.version.split()[0]}
    result["start_ms"] = pool_start_ms(ctx)

    with ctx.Pool(WORKERS) as pool:
        pool.map(identity, range(100))  # warm up

        samples = []
        for _ in range(2000):
            t = time.perf_counter()
            pool.apply(identity, (1,))
            samples.append(time.perf_counter() - t)
        result["apply_us"] = statistics.median(samples) * 1e6

        n = 20_000
        t = time.perf_counter()
        pending = [pool.apply_async(identity, (i,)) for i in range(n)]
        for p in pending:
            p.get()
        result["apply_async_per_s"] = n / (time.perf_counter() - t)

        best = 0.0
        for _ in range(3):
            t = time.perf_counter()
            out = pool.map(identity, range(1_000_000))
            best = max(best, len(out) / (time.perf_counter() - t))
        result["map_per_s"] = best

        # Five warm-up round trips, then the median of seven, as the ParallelGen side measures it.
        data = bytes(PAYLOAD)
        samples = []
        for i in range(12):
            t = time.perf_counter()
            back = pool.apply(echo, (data,))
            elapsed = time.perf_counter() - t
            assert len(back) == PAYLOAD
            if i >= 5:
                samples.append(elapsed)
        samples.sort()
        result["payload_mb_s"] = PAYLOAD / 1e6 / samples[len(samples) // 2]

        chunks = 64
        ranges = [(limit * i // chunks, limit * (i + 1) // chunks) for i in range(chunks)]
        t = time.perf_counter()
        total = sum(pool.starmap(count_primes, ranges, chunksize=1))
        result["primes_pool_ms"] = (time.perf_counter() - t) * 1000
        result["primes"] = total

    if method == "fork":
        t = time.perf_counter()
        serial = sum(count_primes(a, b) for a, b in ranges)
        result["primes_serial_ms"] = (time.perf_counter() - t) * 1000
        assert serial == result["primes"]

    print(json.dumps(result))


if __name__ == "__main__":
    main()
