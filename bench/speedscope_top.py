#!/usr/bin/python3
"""Summarise a speedscope file written by `dotnet-trace collect --format Speedscope`.

Prints, over all threads, the frames with the most exclusive (top-of-stack) time and the most inclusive time.
Usage: bench/speedscope_top.py FILE.speedscope.json [N] [FILTER] [--cpu]
With --cpu only samples whose leaf is CPU_TIME count (thread-time traces mark running threads so), and "exclusive"
is the managed frame under that marker: where the CPU went, not where threads waited.
"""
import collections
import json
import sys


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    needle = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "--cpu" else None
    cpu_only = "--cpu" in sys.argv
    data = json.load(open(path))
    frames = [f["name"] for f in data["shared"]["frames"]]
    cpu_frame = frames.index("CPU_TIME") if "CPU_TIME" in frames else -1
    exclusive = collections.Counter()
    inclusive = collections.Counter()
    total = 0.0
    for profile in data["profiles"]:
        if profile["type"] == "sampled":
            for stack, weight in zip(profile["samples"], profile["weights"]):
                total += weight
                if stack:
                    exclusive[stack[-1]] += weight
                for f in set(stack):
                    inclusive[f] += weight
            continue
        stack = []
        last = None
        for ev in profile["events"]:
            at = ev["at"]
            if last is not None and stack and (not cpu_only or stack[-1] == cpu_frame):
                dt = at - last
                total += dt
                leaf = stack[-2] if cpu_only and len(stack) > 1 else stack[-1]
                exclusive[leaf] += dt
                for f in set(stack):
                    inclusive[f] += dt
            last = at
            if ev["type"] == "O":
                stack.append(ev["frame"])
            elif stack:
                stack.pop()
    print(f"total sampled thread time: {total:.0f} (file units)")
    for title, counter in (("exclusive", exclusive), ("inclusive", inclusive)):
        print(f"\n== top {top} by {title} time")
        shown = 0
        for f, t in counter.most_common():
            name = frames[f]
            if needle and needle not in name:
                continue
            print(f"{100.0 * t / total:6.2f}%  {name[:160]}")
            shown += 1
            if shown >= top:
                break


if __name__ == "__main__":
    main()
