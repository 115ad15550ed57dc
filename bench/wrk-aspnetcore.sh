#!/usr/bin/env bash
# wrk comparison of HybridCacheKit's [Cached] response cache against an uncached endpoint and ASP.NET Core output
# caching, all served by one Kestrel process (tests/HybridCacheKit.AspNetCore.Bench, Release, loopback, logging off).
#
#   bench/wrk-aspnetcore.sh                      # -t2 -c64, 5 s warm-up + 10 s per endpoint, one round
#   THREADS=4 CONNECTIONS=256 DURATION=30s ROUNDS=3 bench/wrk-aspnetcore.sh
#
# Endpoints are measured one after another in the same run; with ROUNDS > 1 they are interleaved round by round. The
# table shows, per endpoint, the median requests/s and p99 over the rounds, and the median over the rounds of the
# within-round ratios (on a shared machine the load moves between rounds, so a ratio of two endpoints measured
# seconds apart in one round is steadier than a ratio of medians). /oc-hck (output caching over HybridCacheKit's store) is measured when the app
# answers it with 200. Prints a Markdown table: requests/s, p99 latency, the server's CPU time per request (user +
# system time of the app process over the measured run, divided by the requests served: less sensitive to other load
# on a shared machine than requests/s), and ratios against /hello and /oc.
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

PORT=${PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')}
BENCH_PORT=$PORT DOTNET_gcServer=1 dotnet "$APP" >/dev/null 2>&1 &
APP_PID=$!
trap 'kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true' EXIT

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  curl -sf "$BASE/hello" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "$BASE/hello" >/dev/null || { echo "the bench app did not start" >&2; exit 1; }

ENDPOINTS=(/hello /hello-bytes /oc /cached)
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/oc-hck")" = "200" ]; then
  ENDPOINTS+=(/oc-hck)
fi

declare -A RPS P99 VS_HELLO VS_OC ROUND_RPS CPU
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$APP_PID/stat"; }
for round in $(seq 1 "$ROUNDS"); do
  for ep in "${ENDPOINTS[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$BASE$ep" >/dev/null
    before=$(cpu_ticks)
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE$ep")
    after=$(cpu_ticks)
    if echo "$out" | grep -q "Non-2xx"; then
      echo "$ep answered non-2xx responses:" >&2
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
    echo "round $round $ep: $rps req/s, p99 $p99, server CPU $cpu_us us/request" >&2
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
  awk -v ep="$ep" -v rps="$rps" -v p99="$p99" -v cpu="$cpu" -v h="$vs_hello" -v o="$vs_oc" \
    'BEGIN { printf "| %s | %.0f | %s ms | %s µs | %.2f | %.2f |\n", ep, rps, p99, cpu, h, o }'
done
