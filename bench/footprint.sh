#!/usr/bin/env bash
# Lifeboat's footprint as a sidecar, side by side with litestream 0.3.13 measured in the same run:
#   1. start to ready: spawn -> first 200 from /q/health/ready (HTTP up, verdict not failing), with and
#      without the AOT cache (bench/startup.sh ready; litestream has no readiness endpoint, so only Lifeboat's figures)
#   2. idle RSS of `lifeboat run -- sleep` with 1 and with 20 SQLite databases after IDLE minutes, litestream
#      replicating the same databases beside it; idle CPU of both over the last 60 s of that wait (IDLE=1: 30 s)
#   3. RSS, writer throughput and lag under the SQLite writer: bench/sqlite-replication.sh (one round, S3Proxy)
#   4. CLI start-up: `lifeboat --version` and a restore of a one-row database, with and without the AOT cache,
#      against `litestream restore` (bench/startup.sh cli)
# JVM flags are the product's (src/main/jvm/*.options, MALLOC_ARENA_MAX=2) with the AOT cache bin/lifeboat trains.
# Targets (issue 13): peak RSS under the writer <= litestream's; idle RSS <= 80 MB (1 db), <= 120 MB (20 dbs);
# idle CPU < 0.2 % of a core; writer >= 95 % of no agent, lag p99 <= 1.5 s; ready <= 1.0 s; CLI restore <= 0.7 s.
# Not a test: nothing is asserted. Memory figures hold on a shared machine; times and CPU do not (other processes
# take the cores), so read those as upper bounds.
#
# Usage: bench/footprint.sh [IDLE minutes, default 2, at least 1; the issue's figure is 10] [WRITER seconds, default 10; 0 skips 3]
# FOOTPRINT_NMT=1 runs the idle agents with -XX:NativeMemoryTracking=summary (adds ~1-2 MB) and prints where their
# memory goes.
# Run it under `flock /tmp/lifeboat-bench.lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
IDLE_MINUTES=${1:-2}
WRITER_SECONDS=${2:-10}
LITESTREAM=${LIFEBOAT_LITESTREAM:-.tools/npm/node_modules/@flydotio/litestream-linux-x64/litestream}
for tool in sqlite3 curl "$LITESTREAM"; do
  command -v "$tool" >/dev/null || { echo "footprint: $tool is missing (litestream: set LIFEBOAT_LITESTREAM or run bin/test once)" >&2; exit 1; }
done
./mvnw -B -q -ntp package -DskipTests   # always: a stale target/quarkus-app would measure old code
bin/lifeboat --version >/dev/null        # trains the AOT cache when it does not match this build (~15 s)
JAR=$PWD/target/quarkus-app/quarkus-run.jar
AOT=$PWD/target/quarkus-app/lifeboat.aot
JAVA_OPTS=("@$PWD/src/main/jvm/jvm.options")
[ "$(lifeboat_java_major "$JAVA_HOME")" -ge 24 ] && JAVA_OPTS+=("@$PWD/src/main/jvm/jvm-24.options")
[ -f "$AOT" ] && JAVA_OPTS+=("-XX:AOTCache=$AOT")
export MALLOC_ARENA_MAX=2

WORK=$(mktemp -d /tmp/lifeboat-footprint-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
now() { date +%s.%N; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

databases() { # N DIR -> N WAL databases of one row each for each tool (DIR/lb, DIR/ls: litestream writes to the
  # databases it replicates, which the other tool would see as app writes), lifeboat.yml and litestream.yml
  local n=$1 dir=$2
  mkdir -p "$dir/lb" "$dir/ls"
  { echo "destinations:"; echo "  local:"; echo "    url: file:$dir/lifeboat-replica"; echo "databases:"; } > "$dir/lifeboat.yml"
  echo "dbs:" > "$dir/litestream.yml"
  for i in $(seq "$n"); do
    sqlite3 "$dir/lb/app$i.db" "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('x');" >/dev/null
    cp "$dir/lb/app$i.db" "$dir/ls/app$i.db"
    printf '  app%s:\n    type: sqlite\n    path: %s\n    destination: local\n    drill: {enabled: false}\n' "$i" "$dir/lb/app$i.db" >> "$dir/lifeboat.yml"
    printf '  - path: %s\n    replicas:\n      - type: file\n        path: %s\n        sync-interval: 1s\n' \
      "$dir/ls/app$i.db" "$dir/litestream-replica/app$i" >> "$dir/litestream.yml"
  done
}

echo "footprint: $(java -version 2>&1 | head -1); litestream $("$LITESTREAM" version); $(nproc) cores shared with other work"
echo "JVM flags: ${JAVA_OPTS[*]} (MALLOC_ARENA_MAX=2)"

# 1. start to ready, with and without the AOT cache
echo
STARTUP_NO_PACKAGE=1 bench/startup.sh ready

# 2. idle RSS and CPU, 1 and 20 databases, both tools side by side
echo
printf '%-28s %12s %12s %8s %14s %14s\n' "idle, after ${IDLE_MINUTES} min" "lifeboat MB" "litestream MB" "ratio" "lifeboat cpu%" "litestream cpu%"
for n in 1 20; do
  dir="$WORK/idle$n"
  databases "$n" "$dir"
  port=$(free_port)
  (cd "$dir" && PORT=$port exec java "${JAVA_OPTS[@]}" ${FOOTPRINT_NMT:+-XX:NativeMemoryTracking=summary} -jar "$JAR" run --config lifeboat.yml -- sleep infinity >"$dir/lifeboat.log" 2>&1) &
  lb=$!; PIDS+=("$lb")
  "$LITESTREAM" replicate -config "$dir/litestream.yml" >"$dir/litestream.log" 2>&1 &
  ls=$!; PIDS+=("$ls")
  total=$((IDLE_MINUTES * 60))
  window=$((total >= 90 ? 60 : total - 30))   # CPU over the last minute; never over the first 30 s (start-up)
  sleep $((total - window))
  lb0=$(cpu_ticks "$lb"); ls0=$(cpu_ticks "$ls"); t0=$(now)
  sleep "$window"
  lb1=$(cpu_ticks "$lb"); ls1=$(cpu_ticks "$ls"); t1=$(now)
  lbr=$(rss_mb "$lb"); lsr=$(rss_mb "$ls")
  hz=$(getconf CLK_TCK)
  cpu() { python3 -c "print(f'{100 * ($2 - $1) / $hz / ($t1 - $t0):.3f}')"; }
  printf '%-28s %12s %12s %8s %14s %14s\n' "$n database(s)" "$lbr" "$lsr" "$(ratio "$lbr" "$lsr")" "$(cpu "$lb0" "$lb1")" "$(cpu "$ls0" "$ls1")"
  if [ -n "${FOOTPRINT_NMT:-}" ]; then jcmd "$lb" VM.native_memory summary | grep -E '^-|Total' | sed 's/(reserved=[0-9]*KB, //'; fi
  pkill -P "$lb" sleep 2>/dev/null || true   # the child app: `run` then makes its final sync and exits
  kill "$lb" "$ls" 2>/dev/null || true; wait "$lb" "$ls" 2>/dev/null || true
done
echo "targets: lifeboat <= 80 MB (1 database), <= 120 MB (20 databases), cpu < 0.2 %"

# 3. under the writer: the replication benchmark's single round (none / litestream / lifeboat, S3Proxy)
if [ "$WRITER_SECONDS" -gt 0 ]; then
  echo
  echo "under the SQLite writer (bench/sqlite-replication.sh $WRITER_SECONDS 0, one round):"
  BENCH_ROUNDS=1 BENCH_IDLE_SECONDS=${BENCH_IDLE_SECONDS:-10} bench/sqlite-replication.sh "$WRITER_SECONDS" 0 \
    | sed -n '/^agent /,/^lifeboat /p' | tee "$WORK/writer.txt"
  lb_peak=$(awk '$1 ~ /^lifeboat/ {print $7}' "$WORK/writer.txt"); ls_peak=$(awk '$1 ~ /^litestream/ {print $7}' "$WORK/writer.txt")
  echo "peak RSS under the writer: lifeboat/litestream = $(ratio "$lb_peak" "$ls_peak") (target <= 1.00); writer >= 95 % of none, lag p99 <= 1.5 s"
fi

# 4. CLI start-up, with and without the AOT cache, against litestream
echo
STARTUP_NO_PACKAGE=1 bench/startup.sh cli
