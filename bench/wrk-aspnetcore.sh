#!/usr/bin/env bash
# wrk comparison of HybridCacheKit's [Cached] response cache against an uncached endpoint, ASP.NET Core output caching
# with its in-memory store, and ASP.NET Core output caching with HybridCacheKit's store
# (tests/HybridCacheKit.AspNetCore.Bench, Release, loopback, logging off, Server GC).
#
#   bench/wrk-aspnetcore.sh                      # -t2 -c64, 5 s warm-up + 10 s per endpoint, one round
#                                                # (plus one 5 s warm-up of every endpoint before the first round)
#   THREADS=4 CONNECTIONS=256 DURATION=30s ROUNDS=3 bench/wrk-aspnetcore.sh
#   ROUNDS=1 DURATION=2s WARMUP=1s bench/wrk-aspnetcore.sh     # smoke run: checks the script, measures nothing
#
# An app has one IOutputCacheStore, so the script starts the bench app twice on the same machine: process A as is
# (/hello, /hello-bytes, /oc over the framework's in-memory store, /cached) and process B with
# BENCH_OUTPUT_CACHE_STORE=hybridcachekit (HybridCacheKit's store over the in-process engine, no Redis; every other
# setting the same), whose /oc-hck is reported as the row "/oc (HybridCacheKit store)". Each process's store is checked
# through its /store endpoint before anything is measured. Both processes are killed when the script exits.
#
# Endpoints are measured one after another in the same run; with ROUNDS > 1 they are interleaved round by round (B's
# endpoint in the same rounds as A's). The table shows, per endpoint, the median requests/s and p99 over the rounds,
# and the median over the rounds of the within-round ratios (on a shared machine the load moves between rounds, so a
# ratio of two endpoints measured seconds apart in one round is steadier than a ratio of medians). Prints a Markdown
# table: requests/s, p99 latency, the server's CPU time per request (user + system time of the process that served
# the endpoint, from its /proc/PID/stat, over the measured run, divided by the requests served: less sensitive to other
# load on a shared machine than requests/s), and ratios against /hello and /oc (in-memory store).
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
ROUNDS=${ROUNDS:-1}

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk not found; installing it with apt-get" >&2
  apt-get install -y wrk >/dev/null
fi

dotnet build tests/HybridCacheKit.AspNetCore.Bench -c Release -nologo -v quiet >/dev/null
APP=tests/HybridCacheKit.AspNetCore.Bench/bin/Release/net10.0/HybridCacheKit.AspNetCore.Bench.dll

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PORT=${PORT:-$(free_port)}
PORT_HCK=${PORT_HCK:-$(free_port)}
while [ "$PORT_HCK" = "$PORT" ]; do PORT_HCK=$(free_port); done

APP_PID=""
HCK_PID=""
stop_apps() {
  for pid in $APP_PID $HCK_PID; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $APP_PID $HCK_PID; do
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_apps EXIT
trap 'exit 130' INT TERM   # so the EXIT trap runs on Ctrl-C or kill too

BENCH_PORT=$PORT DOTNET_gcServer=1 dotnet "$APP" >/dev/null 2>&1 &
APP_PID=$!
BENCH_PORT=$PORT_HCK BENCH_OUTPUT_CACHE_STORE=hybridcachekit DOTNET_gcServer=1 dotnet "$APP" >/dev/null 2>&1 &
HCK_PID=$!

BASE="http://127.0.0.1:$PORT"
BASE_HCK="http://127.0.0.1:$PORT_HCK"
wait_for() {
  for _ in $(seq 1 100); do
    curl -sf "$1/hello" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  curl -sf "$1/hello" >/dev/null || { echo "the bench app at $1 did not start" >&2; exit 1; }
}
wait_for "$BASE"
wait_for "$BASE_HCK"

# Make sure each process runs the store its rows claim.
check_store() {
  local got
  got=$(curl -sf "$1/store")
  [ "$got" = "$2" ] || { echo "the bench app at $1 uses the output-cache store '$got', expected '$2'" >&2; exit 1; }
}
check_store "$BASE" MemoryOutputCacheStore
check_store "$BASE_HCK" HybridOutputCacheStore

# Each measured endpoint: the URL, the process that serves it, and the row label.
ENDPOINTS=(/hello /hello-bytes /oc /cached /oc-hck)
declare -A URL PID_OF LABEL
for ep in /hello /hello-bytes /oc /cached; do
  URL[$ep]="$BASE$ep"
  PID_OF[$ep]=$APP_PID
  LABEL[$ep]=$ep
done
URL[/oc-hck]="$BASE_HCK/oc-hck"
PID_OF[/oc-hck]=$HCK_PID
LABEL[/oc-hck]="/oc (HybridCacheKit store)"

# A freshly started process is slow for its first seconds (tiered JIT, GC heaps growing): warm every endpoint of both
# processes once before round 1, so the first endpoint measured on each process does not pay for its start-up.
for ep in "${ENDPOINTS[@]}"; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${URL[$ep]}" >/dev/null
done

declare -A RPS P99 VS_HELLO VS_OC ROUND_RPS CPU
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for round in $(seq 1 "$ROUNDS"); do
  for ep in "${ENDPOINTS[@]}"; do
    pid=${PID_OF[$ep]}
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${URL[$ep]}" >/dev/null
    before=$(cpu_ticks "$pid")
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${URL[$ep]}")
    after=$(cpu_ticks "$pid")
    if echo "$out" | grep -q "Non-2xx"; then
      echo "${LABEL[$ep]} answered non-2xx responses:" >&2
      echo "$out" >&2
      exit 1
    fi
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    cpu_us=$(awk -v t="$((after - before))" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
    CPU[$ep]="${CPU[$ep]:-} $cpu_us"
    RPS[$ep]="${RPS[$ep]:-} $rps"
    P99[$ep]="${P99[$ep]:-} $p99"
    echo "round $round ${LABEL[$ep]}: $rps req/s, p99 $p99, server CPU $cpu_us us/request" >&2
    ROUND_RPS[$ep]=$rps
  done
  for ep in "${ENDPOINTS[@]}"; do
    VS_HELLO[$ep]="${VS_HELLO[$ep]:-} $(awk -v a="${ROUND_RPS[$ep]}" -v b="${ROUND_RPS[/hello]}" 'BEGIN { print a / b }')"
    VS_OC[$ep]="${VS_OC[$ep]:-} $(awk -v a="${ROUND_RPS[$ep]}" -v b="${ROUND_RPS[/oc]}" 'BEGIN { print a / b }')"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# wrk prints latencies with units (us, ms, s); normalise to milliseconds for the median and the table.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 } printf "%.2f\n", v }'; }

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after ${WARMUP} warm-up each), $ROUNDS round(s): medians over the rounds; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| endpoint | requests/s | p99 latency | server CPU per request | vs /hello | vs /oc |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for ep in "${ENDPOINTS[@]}"; do
  rps=$(echo "${RPS[$ep]}" | median)
  p99=$(for v in ${P99[$ep]}; do echo "$v" | to_ms; done | tr '\n' ' ' | median)
  vs_hello=$(echo "${VS_HELLO[$ep]}" | median)
  vs_oc=$(echo "${VS_OC[$ep]}" | median)
  cpu=$(echo "${CPU[$ep]}" | median)
  awk -v ep="${LABEL[$ep]}" -v rps="$rps" -v p99="$p99" -v cpu="$cpu" -v h="$vs_hello" -v o="$vs_oc" \
    'BEGIN { printf "| %s | %.0f | %s ms | %s µs | %.2f | %.2f |\n", ep, rps, p99, cpu, h, o }'
done
