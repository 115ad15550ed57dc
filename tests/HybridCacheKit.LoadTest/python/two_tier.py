#!/usr/bin/python3
"""The published two-tier cache design in Python, under the load tool's workload.

L1 is a dict of key -> (expiry, value) with a 60 s TTL and no bound; L2 is Redis through redis-py's asyncio client;
values are JSON. A read checks L1, then GET + json.loads (and fills L1), then the loader (SET EX + L1). A write is
json.dumps + SET EX, then L1. Started by the load tool (HybridCacheKit.LoadTest) with the same workload numbers; it
writes the same JSON result shape as the .NET modes, with latencies recorded in the same log-linear histogram layout
(see Metrics/LatencyHistogram.cs).

Run by hand: /usr/bin/python3 two_tier.py --host 127.0.0.1 --port 6379 --result out.json
Needs Debian's python3-redis (apt-get install -y python3-redis).
"""
import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time

SUB_BITS = 7
SUB_COUNT = 1 << SUB_BITS
MAX_EXPONENT = 36
MAX_VALUE = (1 << MAX_EXPONENT) - 1
BUCKETS = 2 * SUB_COUNT + (MAX_EXPONENT - SUB_BITS - 1) * SUB_COUNT


def bucket_of(ns):
    v = 0 if ns <= 0 else min(ns, MAX_VALUE)
    if v < 2 * SUB_COUNT:
        return v
    msb = v.bit_length() - 1
    shift = msb - SUB_BITS
    return 2 * SUB_COUNT + (shift - 1) * SUB_COUNT + ((v >> shift) - SUB_COUNT)


def highest_equivalent(index):
    if index < 2 * SUB_COUNT:
        return index
    j = index - 2 * SUB_COUNT
    shift = j // SUB_COUNT + 1
    sub = j % SUB_COUNT + SUB_COUNT
    return ((sub + 1) << shift) - 1


def summary(counts):
    total = sum(counts)
    if total == 0:
        return {"count": 0, "meanNs": 0, "p50Ns": 0, "p90Ns": 0, "p99Ns": 0, "p999Ns": 0, "maxNs": 0}
    mean = sum(highest_equivalent(i) * c for i, c in enumerate(counts) if c) / total
    mx = max(highest_equivalent(i) for i, c in enumerate(counts) if c)

    def at(per_hundred_thousand):
        # ceil(total * p / 100,000) in integers, as the .NET tool does: 99.9 / 100.0 is 0.9990000000000001 in floating point
        rank = min(max(-(-total * per_hundred_thousand // 100000), 1), total)
        seen = 0
        for i, c in enumerate(counts):
            seen += c
            if seen >= rank:
                return highest_equivalent(i)
        return highest_equivalent(len(counts) - 1)

    return {"count": total, "meanNs": mean, "p50Ns": at(50000), "p90Ns": at(90000), "p99Ns": at(99000), "p999Ns": at(99900), "maxNs": mx}


class Zipf:
    """Zipf(s) over 0..n-1 with Vose's alias method: the same table the .NET tool builds."""

    def __init__(self, n, s):
        weights = [1.0 / (k + 1) ** s for k in range(n)]
        total = sum(weights)
        scaled = [w / total * n for w in weights]
        self.prob = [1.0] * n
        self.alias = list(range(n))
        small = [k for k in range(n) if scaled[k] < 1.0]
        large = [k for k in range(n) if scaled[k] >= 1.0]
        while small and large:
            s_, l_ = small.pop(), large.pop()
            self.prob[s_] = scaled[s_]
            self.alias[s_] = l_
            scaled[l_] = scaled[l_] + scaled[s_] - 1.0
            (small if scaled[l_] < 1.0 else large).append(l_)
        self.n = n

    def sample(self, rng):
        column = int(rng.random() * self.n)
        return column if rng.random() < self.prob[column] else self.alias[column]


# Every key the load tool writes is under its namespace (Redis/ToolKeys.cs), so a Redis the user supplies is cleaned by
# deleting that namespace alone, never flushed.
KEY_NAMESPACE = "hcklt:"
KEY_FORMAT = KEY_NAMESPACE + "item:%06d"

ALPHABET = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789."


def make_product(index, version, length):
    # A fresh ~1 KB row per call, built with C-level string operations so the generator stays cheap in Python.
    start = (index * 31 + version) % len(ALPHABET)
    pattern = ALPHABET[start:] + ALPHABET[:start]
    description = (pattern * (length // len(pattern) + 1))[:length]
    return {
        "id": index,
        "sku": "SKU-%06d" % index,
        "name": "Product %d" % index,
        "price": 19.99 + index % 100,
        "stock": index % 1000,
        "version": version,
        "updatedUtc": "2026-01-01T00:00:00Z",
        "description": description,
    }


def rss(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


class TwoTier:
    def __init__(self, client, ttl, local_ttl, length, db_delay):
        self.r = client
        self.ttl = ttl
        self.local_ttl = local_ttl
        self.length = length
        self.db_delay = db_delay
        self.l1 = {}
        self.loads = 0
        self.l1_hits = 0
        self.l2_hits = 0

    async def load(self, index):
        self.loads += 1
        await asyncio.sleep(self.db_delay)
        return make_product(index, 0, self.length)

    async def read(self, index, key):
        now = time.monotonic()
        entry = self.l1.get(key)
        if entry is not None and entry[0] > now:
            self.l1_hits += 1
            return entry[1]
        raw = await self.r.get(key)
        if raw is not None:
            self.l2_hits += 1
            value = json.loads(raw)
        else:
            value = await self.load(index)
            await self.r.set(key, json.dumps(value), ex=self.ttl)
        self.l1[key] = (time.monotonic() + self.local_ttl, value)
        return value

    async def write(self, key, value):
        await self.r.set(key, json.dumps(value), ex=self.ttl)
        self.l1[key] = (time.monotonic() + self.local_ttl, value)


def connect(args):
    import redis.asyncio as aioredis

    nodes = [n.rsplit(":", 1) for n in args.redis.split(",")]
    if args.cluster:
        from redis.asyncio.cluster import RedisCluster

        return RedisCluster(host=nodes[0][0], port=int(nodes[0][1]))
    return aioredis.Redis(host=nodes[0][0], port=int(nodes[0][1]), max_connections=args.workers + 16)


async def cold_start(args, started_ns):
    # A key no earlier sample read (the tool passes a fresh one per sample), so the read misses L1 and Redis and runs
    # the loader, as the .NET cold start does; whether it did is reported.
    client = connect(args)
    service = TwoTier(client, 300, 60, args.value_chars, 0)
    value = await service.read(7, KEY_NAMESPACE + args.coldstart_key)
    first_op_ns = time.time_ns()
    await client.close()
    if value["id"] != 7:
        raise RuntimeError("the first operation returned a wrong value")
    print(json.dumps({"toFirstOperationMs": (first_op_ns - started_ns) / 1e6, "loaderRan": service.loads == 1}))


async def run(args):
    zipf = Zipf(args.keys, args.zipf)
    client = connect(args)
    service = TwoTier(client, 300, 60, args.value_chars, args.db_delay_ms / 1000.0)
    await service.read(0, KEY_FORMAT % 0)
    reads = [0] * BUCKETS
    writes = [0] * BUCKETS
    # errors/wrong: every failure (for the progress line); window_*: those in the window, reported apart from the
    # latencies and the throughput, which count successful operations only (as the .NET tool does).
    state = {"phase": 0, "completed": 0, "errors": 0, "wrong": 0, "window_errors": 0, "window_wrong": 0, "first_error": None}
    load_start = load_average()

    async def worker(wid):
        rng = random.Random(args.seed * 1000003 + wid)
        version = wid << 32
        while True:
            phase = state["phase"]
            if phase == 2:
                return
            index = zipf.sample(rng)
            write = rng.random() < args.write_ratio
            key = KEY_FORMAT % index
            value = None
            if write:
                version += 1
                value = make_product(index, version, args.value_chars)
            t0 = time.perf_counter_ns()
            failure = None
            try:
                if write:
                    await service.write(key, value)
                else:
                    got = await service.read(index, key)
                    if got["id"] != index:
                        failure = "window_wrong"
                        state["wrong"] += 1
            except Exception as ex:  # noqa: BLE001 - every failure is counted and the first one reported
                failure = "window_errors"
                state["errors"] += 1
                if state["first_error"] is None:
                    state["first_error"] = repr(ex)
            elapsed = time.perf_counter_ns() - t0
            state["completed"] += 1
            if phase == 1 and state["phase"] == 1:
                if failure is None:
                    (writes if write else reads)[bucket_of(elapsed)] += 1
                else:
                    state[failure] += 1

    tasks = [asyncio.create_task(worker(i)) for i in range(args.workers)]
    peak_window_rss = 0

    async def report(label, seconds):
        nonlocal peak_window_rss
        start = time.monotonic()
        last_count, last_time = state["completed"], start
        while True:
            await asyncio.sleep(1.0 if seconds - (time.monotonic() - start) > 1.0 else max(0.0, seconds - (time.monotonic() - start)))
            now = time.monotonic()
            count = state["completed"]
            rate = (count - last_count) / max(now - last_time, 1e-9)
            last_count, last_time = count, now
            current = rss("VmRSS:") or 0
            if label == "measure":
                peak_window_rss = max(peak_window_rss, current)
            print("[python] %s %5.1f/%.0f s %12s ops/s  rss %.1f MB  errors %d" % (
                label, now - start, seconds, format(int(rate), ","), current / 1048576.0, state["errors"]), file=sys.stderr, flush=True)
            if now - start >= seconds:
                return

    def counters():
        return {"l1.hits": service.l1_hits, "l2.hits": service.l2_hits, "loads": service.loads}

    await report("warm-up", args.warmup)
    # The counters run from start-up: read at both edges of the window, their difference covers the window alone.
    window_start = time.monotonic()
    before = counters()
    state["phase"] = 1
    await report("measure", args.duration)
    state["phase"] = 2
    after = counters()
    window = time.monotonic() - window_start
    await asyncio.gather(*tasks, return_exceptions=True)
    await client.close()

    merged = [a + b for a, b in zip(reads, writes)]
    all_summary = summary(merged)
    result = {
        "mode": "python",
        "description": "Python two-tier: dict L1 (60 s TTL, unbounded) + redis-py %s asyncio, JSON values, one connection per concurrent worker" % redis_version(),
        "runtime": "CPython %s (%s), asyncio" % (platform.python_version(), sys.executable),
        "windowSeconds": window,
        "reads": sum(reads),
        "writes": sum(writes),
        "throughput": all_summary["count"] / window,
        "all": all_summary,
        "read": summary(reads),
        "write": summary(writes),
        "histogram": [[i, c] for i, c in enumerate(merged) if c],
        "peakRssBytes": rss("VmHWM:"),
        "windowPeakRssBytes": peak_window_rss,
        "errors": state["window_errors"],
        "wrongValues": state["window_wrong"],
        "failuresOutsideWindow": state["errors"] + state["wrong"] - state["window_errors"] - state["window_wrong"],
        "firstError": state["first_error"],
        "databaseLoads": after["loads"] - before["loads"],
        "counters": {"l1.hits": after["l1.hits"] - before["l1.hits"], "l2.hits": after["l2.hits"] - before["l2.hits"], "l1.entries": len(service.l1)},
        "loadAverageStart": load_start,
        "loadAverageEnd": load_average(),
    }
    with open(args.result, "w") as f:
        json.dump(result, f)


def redis_version():
    import redis

    return redis.__version__


def main():
    started_ns = int(os.environ.get("HCK_SPAWN_UNIX_NS", time.time_ns()))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--redis", default="127.0.0.1:6379", help="host:port (a cluster: any node, with --cluster)")
    p.add_argument("--cluster", action="store_true")
    p.add_argument("--workers", type=int, default=1000)
    p.add_argument("--keys", type=int, default=100000)
    p.add_argument("--zipf", type=float, default=0.99)
    p.add_argument("--write-ratio", type=float, default=0.3)
    p.add_argument("--value-chars", type=int, default=880)
    p.add_argument("--warmup", type=float, default=10)
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--db-delay-ms", type=float, default=0)
    p.add_argument("--result", default="result-python.json")
    p.add_argument("--coldstart", action="store_true", help="serve one read and print the time since HCK_SPAWN_UNIX_NS")
    p.add_argument("--coldstart-key", default="coldstart:manual", help="the key (under the tool's namespace) the cold start reads")
    args = p.parse_args()
    try:
        import redis  # noqa: F401
    except ImportError:
        print("python3-redis is missing: apt-get install -y python3-redis", file=sys.stderr)
        sys.exit(3)
    if args.coldstart:
        asyncio.run(cold_start(args, started_ns))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
