"""The comparison workloads with what a Python user would pick: multiprocessing.Pool, ProcessPoolExecutor, loky.

Usage:
  python3 python_mp.py modules                        -> JSON: this interpreter, and whether loky can be imported
  python3 python_mp.py fork|spawn|executor|loky [n]   -> JSON: every workload's figures with that pool
    fork, spawn  multiprocessing.Pool with that start method (standard library)
    executor     concurrent.futures.ProcessPoolExecutor, with the default start method (standard library)
    loky         loky's reusable executor, as joblib vendors it (Debian: apt-get install python3-joblib) or standalone
The same workloads run in ParallelGen from benchmarks/compare/Program.cs, in the same run.
"""
import concurrent.futures
import importlib
import json
import math
import multiprocessing as mp
import os
import statistics
import sys
import time

WORKERS = 2
PAYLOAD = 64 * 1024 * 1024
MAP_ITEMS = 1_000_000
SKEWED = [5, 1, 3]  # tenths of a second each item sleeps
BATCH_POOLS = 10
BATCH_WORKERS = 4
BATCH_ITEMS = 100


def identity(x):
    return x


def echo(data):
    return data


def sleep_square(tenths):
    time.sleep(tenths / 10)
    return tenths * tenths


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


def _answer(queue):
    queue.put(os.getpid())


def import_loky():
    """loky itself if installed, else the copy joblib vendors."""
    try:
        import loky
    except ImportError:
        from joblib.externals import loky
    return loky


class PoolEngine:
    """multiprocessing.Pool with one start method."""

    def __init__(self, method):
        self.ctx = mp.get_context(method)
        self.start_method = method

    def start_ms(self):
        """Time from Pool() until every worker has run its initializer and answered."""
        samples = []
        for _ in range(5):
            barrier = self.ctx.Barrier(WORKERS)
            queue = self.ctx.SimpleQueue()
            start = time.perf_counter()
            pool = self.ctx.Pool(WORKERS, initializer=_ready, initargs=(barrier, queue))
            for _ in range(WORKERS):
                queue.get()
            samples.append((time.perf_counter() - start) * 1000)
            pool.terminate()
            pool.join()
        return statistics.median(samples)

    def open(self, workers):
        self.pool = self.ctx.Pool(workers)

    def close(self):
        self.pool.terminate()
        self.pool.join()

    def apply(self, f, *args):
        return self.pool.apply(f, args)

    def submit(self, f, *args):
        return self.pool.apply_async(f, args).get

    def map(self, f, items, chunksize=None):
        return self.pool.map(f, items, chunksize)

    def starmap(self, f, pairs, chunksize):
        return self.pool.starmap(f, pairs, chunksize=chunksize)

    def unordered(self, f, items):
        return list(self.pool.imap_unordered(f, items, chunksize=1))

    def batch(self):
        """What the tutorials write: a new pool per batch, left with `with` (which terminates it)."""
        with self.ctx.Pool(BATCH_WORKERS) as pool:
            return pool.map(identity, range(BATCH_ITEMS))

    def end_batches(self):
        pass


class ExecutorEngine:
    """concurrent.futures.ProcessPoolExecutor, or loky's executor (the same interface)."""

    def __init__(self, loky=None):
        self.loky = loky
        self.ctx = importlib.import_module(loky.__name__ + ".backend").get_context() if loky else mp.get_context()
        self.start_method = self.ctx.get_start_method()

    def _executor(self, workers, **options):
        if self.loky:
            return self.loky.ProcessPoolExecutor(max_workers=workers, **options)
        return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=self.ctx, **options)

    def start_ms(self):
        """Time from the constructor until every worker has run its initializer and answered.

        Executors start workers on the first submissions, so one trivial call per worker is submitted at once.
        """
        samples = []
        for _ in range(5):
            queue = self.ctx.SimpleQueue()
            start = time.perf_counter()
            executor = self._executor(WORKERS, initializer=_answer, initargs=(queue,))
            for _ in range(WORKERS):
                executor.submit(identity, 0)
            if len({queue.get() for _ in range(WORKERS)}) != WORKERS:
                raise AssertionError("one worker answered twice")
            samples.append((time.perf_counter() - start) * 1000)
            executor.shutdown(wait=True)
        return statistics.median(samples)

    def open(self, workers):
        if self.loky:
            self.executor = self.loky.get_reusable_executor(max_workers=workers)
        else:
            self.executor = self._executor(workers)

    def close(self):
        self.executor.shutdown(wait=True)

    def apply(self, f, *args):
        return self.executor.submit(f, *args).result()

    def submit(self, f, *args):
        return self.executor.submit(f, *args).result

    def map(self, f, items, chunksize=None):
        # Executors default to chunksize 1; pass what Pool.map would choose, so both chunk alike.
        if chunksize is None:
            chunksize = math.ceil(len(items) / (WORKERS * 4))
        return list(self.executor.map(f, items, chunksize=chunksize))

    def starmap(self, f, pairs, chunksize):
        return list(self.executor.map(f, *zip(*pairs), chunksize=chunksize))

    def unordered(self, f, items):
        futures = [self.executor.submit(f, x) for x in items]
        return [future.result() for future in concurrent.futures.as_completed(futures)]

    def batch(self):
        if self.loky:
            # loky's answer to pool-per-batch code: the same call hands back the same live workers.
            return list(self.loky.get_reusable_executor(max_workers=BATCH_WORKERS).map(identity, range(BATCH_ITEMS)))
        with self._executor(BATCH_WORKERS) as executor:
            return list(executor.map(identity, range(BATCH_ITEMS)))

    def end_batches(self):
        """Stops loky's reusable workers (not timed), so that every sample starts them once, as the others do."""
        if self.loky:
            self.loky.get_reusable_executor(max_workers=BATCH_WORKERS).shutdown(wait=True)


def modules():
    result = {"python": sys.version.split()[0], "executable": sys.executable}
    try:
        result["loky"] = import_loky().__version__
    except ImportError as error:
        result["loky"] = None
        result["loky_error"] = str(error)
    print(json.dumps(result))


def measure(engine, limit):
    result = {"python": sys.version.split()[0], "start_method": engine.start_method}
    result["start_ms"] = engine.start_ms()

    engine.open(WORKERS)
    engine.map(identity, list(range(100)))  # warm up

    samples = []
    for _ in range(2000):
        t = time.perf_counter()
        engine.apply(identity, 1)
        samples.append(time.perf_counter() - t)
    result["apply_us"] = statistics.median(samples) * 1e6

    n = 20_000
    t = time.perf_counter()
    pending = [engine.submit(identity, i) for i in range(n)]
    for get in pending:
        get()
    result["apply_async_per_s"] = n / (time.perf_counter() - t)

    items = range(MAP_ITEMS)
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        out = engine.map(identity, items)
        best = max(best, len(out) / (time.perf_counter() - t))
        assert out[-1] == MAP_ITEMS - 1
    result["map_per_s"] = best

    # Five warm-up round trips, then the median of seven, as the ParallelGen side measures it.
    data = bytes(PAYLOAD)
    samples = []
    for i in range(12):
        t = time.perf_counter()
        back = engine.apply(echo, data)
        elapsed = time.perf_counter() - t
        assert len(back) == PAYLOAD
        if i >= 5:
            samples.append(elapsed)
    result["payload_mb_s"] = PAYLOAD / 1e6 / statistics.median(samples)

    chunks = 64
    ranges = [(limit * i // chunks, limit * (i + 1) // chunks) for i in range(chunks)]
    t = time.perf_counter()
    total = sum(engine.starmap(count_primes, ranges, chunksize=1))
    result["primes_pool_ms"] = (time.perf_counter() - t) * 1000
    result["primes"] = total

    # Uneven work: the idle worker should take the next item while the other one sleeps.
    samples = []
    for _ in range(3):
        t = time.perf_counter()
        out = engine.map(sleep_square, SKEWED, chunksize=1)
        samples.append((time.perf_counter() - t) * 1000)
        assert out == [x * x for x in SKEWED]
    result["skewed_ms"] = statistics.median(samples)
    result["skewed_unordered"] = engine.unordered(sleep_square, SKEWED)
    engine.close()

    # A new pool of 4 per small batch, ten times, as tutorials write it.
    samples = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(BATCH_POOLS):
            assert engine.batch()[-1] == BATCH_ITEMS - 1
        samples.append((time.perf_counter() - t) * 1000)
        engine.end_batches()
    result["pool_per_batch_ms"] = statistics.median(samples)

    if engine.start_method == "fork" and isinstance(engine, PoolEngine):
        t = time.perf_counter()
        serial = sum(count_primes(a, b) for a, b in ranges)
        result["primes_serial_ms"] = (time.perf_counter() - t) * 1000
        assert serial == result["primes"]

    print(json.dumps(result))


def main():
    kind = sys.argv[1]
    if kind == "modules":
        modules()
        return
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    if kind in ("fork", "spawn"):
        engine = PoolEngine(kind)
    elif kind == "executor":
        engine = ExecutorEngine()
    elif kind == "loky":
        engine = ExecutorEngine(import_loky())
    else:
        raise SystemExit(__doc__)
    measure(engine, limit)


if __name__ == "__main__":
    main()
