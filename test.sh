#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs redis-server when it is missing
# (the Redis tests start real servers and never skip), runs every test project of the solution
# with TRX results in artifacts/test-results/, prints a summary per test project, and ends with
# exactly one line "N passed, N failed, N skipped". Exits non-zero when anything failed, when
# `dotnet test` failed, or when no test ran. Honours NUGET_PACKAGES from the environment.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
results_dir="$PWD/artifacts/test-results"
passed=0
failed=0
skipped=0
finished=false

# Whatever happens, the last line is the count line (all zeros if we stop before any result).
on_exit() {
  local rc=$?
  if [[ $finished == false ]]; then
    echo "test.sh: stopped before the tests completed (exit code $rc)." >&2
    echo "$passed passed, $failed failed, $skipped skipped"
  fi
}
trap on_exit EXIT

# The tests need real servers and peers: redis-server (standalone, cluster, TLS), wrk (load tool smoke test) and, for the interop tests,
# Debian's Python 3 with python3-redis and python3-msgpack (at /usr/bin/python3). Install what is missing.
ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  # The load tool's smoke test drives its HTTP mode with wrk.
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  if ! /usr/bin/python3 -c 'import redis, msgpack' >/dev/null 2>&1; then
    missing+=(python3 python3-redis python3-msgpack)
  fi
  if [[ ${#missing[@]} -eq 0 ]]; then
    return
  fi
  echo "Installing missing Debian packages: ${missing[*]}"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "test.sh: installing ${missing[*]} needs root (run: apt-get install -y ${missing[*]})." >&2
      exit 1
    fi
    # Without a terminal (CI) sudo must not wait for a password prompt.
    if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update
  "${sudo[@]}" apt-get install -y "${missing[@]}"
  command -v redis-server >/dev/null 2>&1 || {
    echo "test.sh: redis-server is still not on PATH after installing it." >&2
    exit 1
  }
  /usr/bin/python3 -c 'import redis, msgpack' || {
    echo "test.sh: /usr/bin/python3 cannot import redis and msgpack after installing python3-redis python3-msgpack." >&2
    exit 1
  }
}

# Prints one tab-separated "S project passed failed skipped" line, then one "F test" line per failed test.
# Splitting on '<' makes every record one XML element, so attributes may span lines; works with mawk.
summarize_trx() {
  awk 'BEGIN { RS = "<"; p = 0; f = 0; s = 0; project = "" }
    function attr(rec, name,   v) {
      if (!match(rec, "[ \t\r\n]" name "=\"[^\"]*\"")) return ""
      v = substr(rec, RSTART, RLENGTH); sub(/^[ \t\r\n][^=]*="/, "", v); sub(/"$/, "", v)
      gsub(/&lt;/, "<", v); gsub(/&gt;/, ">", v); gsub(/&quot;/, "\"", v); gsub(/&apos;/, "\047", v); gsub(/&amp;/, "\\&", v)
      return v
    }
    /^UnitTestResult[ \t\r\n]/ {
      outcome = attr($0, "outcome")
      if (outcome == "Passed") p++
      else if (outcome == "NotExecuted" || outcome == "Skipped") s++
      else { f++; failures[f] = attr($0, "testName") " (" outcome ")" }
    }
    /^TestMethod[ \t\r\n]/ && project == "" {
      project = attr($0, "codeBase"); sub(/.*\//, "", project); sub(/\.dll$/, "", project)
    }
    /^Text>No test is available in / && empty == "" {
      empty = $0; sub(/^Text>No test is available in /, "", empty); sub(/\.dll.*/, "", empty); sub(/.*\//, "", empty)
    }
    END {
      if (project == "") project = (empty != "" ? empty : FILENAME)
      printf "S\t%s\t%d\t%d\t%d\n", project, p, f, s
      for (i = 1; i <= f; i++) printf "F\t%s\n", failures[i]
    }' "$1"
}

ensure_packages
echo "redis-server: $(command -v redis-server) ($(redis-server --version | awk '{sub(/^v=/, "", $3); print $3}'))"
echo "NuGet packages folder: ${NUGET_PACKAGES:-the default (~/.nuget/packages)}"

rm -rf "$results_dir"
mkdir -p "$results_dir"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# LogFilePrefix, not a fixed LogFileName: with a fixed name every test project of the solution
# writes the same file and only the last one's results survive. The hang timeout turns a hung
# test into a failed run instead of a CI job that never ends. -m:1 runs the test projects one after another: several
# suites measure behaviour under time bounds (frozen servers, breakers, lag) and the load tool's smoke tests start
# clusters and thousands of operations; on a 2-core machine, running them side by side made those bounds flaky.
log="$results_dir/dotnet-test.log"
set +e
dotnet test HybridCacheKit.sln -c Release -m:1 \
  --logger "trx;LogFilePrefix=results" \
  --results-directory "$results_dir" \
  --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee "$log"
dotnet_rc=${PIPESTATUS[0]}
set -e

echo
echo "Test results (TRX files in ${results_dir#"$PWD"/}):"
trx_count=0
empty_projects=()
while IFS= read -r -d '' trx; do
  trx_count=$((trx_count + 1))
  while IFS=$'\t' read -r kind project p f s; do
    if [[ $kind == S ]]; then
      printf '  %-40s %5d passed, %d failed, %d skipped\n' "$project" "$p" "$f" "$s"
      if ((p + f + s == 0)); then
        empty_projects+=("$project")
      fi
      passed=$((passed + p))
      failed=$((failed + f))
      skipped=$((skipped + s))
    else
      echo "      failed: $project"
    fi
  done < <(summarize_trx "$trx")
done < <(find "$results_dir" -name '*.trx' -type f -print0 | sort -z)

rc=0
if ((trx_count == 0)); then
  echo "test.sh: no TRX result file was written." >&2
  rc=1
fi
if grep -q 'Overwriting results file' "$log"; then
  echo "test.sh: a TRX file was overwritten, so some results are lost; see $log." >&2
  rc=1
fi
if ((${#empty_projects[@]} > 0)); then
  echo "test.sh: test project(s) with no test: ${empty_projects[*]} (tests not discovered?)." >&2
  rc=1
fi
if ((dotnet_rc != 0)); then
  echo "test.sh: dotnet test exited with code $dotnet_rc." >&2
  rc=1
fi
if ((failed > 0)); then
  rc=1
fi
if ((passed + failed == 0)); then
  echo "test.sh: no test ran." >&2
  rc=1
fi

finished=true
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
