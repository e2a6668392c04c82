#!/usr/bin/env bash
# Lifeboat's start-up with and without the JDK 25 AOT cache that bin/lifeboat trains on an agent run (README,
# "Start-up"), litestream 0.3.13 measured in the same run:
#   ready  spawn -> first 200 from /q/health/ready (the agent on one SQLite database replicated to file://: its HTTP
#          server is up and the verdict is not failing), and Quarkus's own "started in" figure from the agent's log
#   cli    `lifeboat --version` and `lifeboat restore` of a one-row database from its file:// replica, against
#          `litestream restore` of the same database from its own replica
#   floor  what a JVM run cannot go below: `java -version` with the product's flags (JVM start and exit)
# Each figure is the median of STARTUP_RUNS runs (default 7), with and without the cache taken in turn, so a drift of
# the machine's speed hits both alike. Not a test: nothing is asserted; times on a shared machine are upper bounds.
# Targets (issue 13): ready <= 1.0 s, a CLI restore command <= 0.7 s, with the AOT cache.
#
# Usage: bench/startup.sh [ready|cli|floor|all]   (default all; bench/footprint.sh runs `ready` and `cli`)
# STARTUP_NO_PACKAGE=1 skips `./mvnw package` (footprint.sh has just packaged). Run it under `flock /tmp/lifeboat-bench.lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
WHAT=${1:-all}
RUNS=${STARTUP_RUNS:-7}
LITESTREAM=${LIFEBOAT_LITESTREAM:-.tools/npm/node_modules/@flydotio/litestream-linux-x64/litestream}
for tool in sqlite3 curl python3 "$LITESTREAM"; do
  command -v "$tool" >/dev/null || { echo "startup: $tool is missing (litestream: set LIFEBOAT_LITESTREAM or run bin/test once)" >&2; exit 1; }
done
[ -n "${STARTUP_NO_PACKAGE:-}" ] || ./mvnw -B -q -ntp package -DskipTests   # a stale target/quarkus-app would measure old code
bin/lifeboat --version >/dev/null   # trains the AOT cache when it does not match this build (~15 s)
APP=$PWD/target/quarkus-app
JAR=$APP/quarkus-run.jar
BASE=("@$PWD/src/main/jvm/jvm.options")
[ "$(lifeboat_java_major "$JAVA_HOME")" -ge 24 ] && BASE+=("@$PWD/src/main/jvm/jvm-24.options")
CACHED=()
[ -f "$APP/lifeboat.aot" ] && CACHED=("-XX:AOTCache=$APP/lifeboat.aot")
export MALLOC_ARENA_MAX=2

WORK=$(mktemp -d /tmp/lifeboat-startup-XXXXXX)
AGENT=""
cleanup() { [ -z "$AGENT" ] || kill "$AGENT" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.3f}')"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

# One WAL database of one row for each tool, a Lifeboat config (file:// replica, no drill) and a litestream config.
sqlite3 "$WORK/app.db" "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('x');" >/dev/null
cp "$WORK/app.db" "$WORK/ls.db"
printf 'destinations:\n  local:\n    url: file:%s/replica\ndatabases:\n  app:\n    type: sqlite\n    path: %s/app.db\n    destination: local\n    drill: {enabled: false}\n' \
  "$WORK" "$WORK" > "$WORK/lifeboat.yml"
printf 'dbs:\n  - path: %s/ls.db\n    replicas:\n      - type: file\n        path: %s/ls-replica\n' "$WORK" "$WORK" > "$WORK/litestream.yml"

ready_once() { # JAVA_FLAGS... -> "seconds-to-ready quarkus-started-in" of one agent start
  local port t0 log="$WORK/agent.log"
  port=$(free_port)
  t0=$(now)
  (cd "$WORK" && PORT=$port exec java "$@" -jar "$JAR" agent --config lifeboat.yml >"$log" 2>&1) &
  AGENT=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/q/health/ready"; do
    kill -0 "$AGENT" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  echo "$(since "$t0") $(sed -n 's/.*started in \([0-9.]*\)s.*/\1/p' "$log")"
  kill "$AGENT"; wait "$AGENT" 2>/dev/null || true; AGENT=""
}

run_once() { # COMMAND... -> wall seconds of one run (fails loudly)
  local t0; t0=$(now)
  "$@" >/dev/null 2>"$WORK/run.err" || { cat "$WORK/run.err" >&2; exit 1; }
  since "$t0"
}

pair() { # NAME COMMAND-TEMPLATE: RUNS runs of the command with the cache and without, in turn -> medians and ratio
  local name=$1 with=() without=() i
  shift
  for i in $(seq "$RUNS"); do
    with+=("$(run_once "$@" "${CACHED[@]}")")
    without+=("$(run_once "$@")")
  done
  local w o
  w=$(printf '%s\n' "${with[@]}" | median); o=$(printf '%s\n' "${without[@]}" | median)
  printf '%-44s %9s s %9s s %7s\n' "$name" "$w" "$o" "$(ratio "$w" "$o")"
  LAST_WITH=$w
}

echo "startup: $(java -version 2>&1 | head -1); litestream $("$LITESTREAM" version); $(nproc) cores shared with other work; $RUNS runs each"
echo "JVM flags: ${BASE[*]} (MALLOC_ARENA_MAX=2); cache: ${CACHED[*]:-none (JDK < 25)}"
printf '%-44s %11s %11s %7s\n' "median" "with cache" "without" "ratio"

if [ "$WHAT" = all ] || [ "$WHAT" = floor ]; then
  jvm() { java "${BASE[@]}" "$@" -version; }
  pair "floor: java -version (JVM start, exit)" jvm   # with: the cache mapped and its classes loaded
fi

if [ "$WHAT" = all ] || [ "$WHAT" = ready ] || [ "$WHAT" = cli ]; then
  # Also gives the Lifeboat replica the CLI restores from (for `cli` alone, one start is enough).
  READY_WITH=(); READY_WITHOUT=(); BOOT_WITH=(); BOOT_WITHOUT=()
  for i in $(seq "$([ "$WHAT" = cli ] && echo 1 || echo "$RUNS")"); do
    read -r r b <<<"$(ready_once "${BASE[@]}" "${CACHED[@]}")"; READY_WITH+=("$r"); BOOT_WITH+=("$b")
    read -r r b <<<"$(ready_once "${BASE[@]}")"; READY_WITHOUT+=("$r"); BOOT_WITHOUT+=("$b")
  done
  rw=$(printf '%s\n' "${READY_WITH[@]}" | median); ro=$(printf '%s\n' "${READY_WITHOUT[@]}" | median)
  bw=$(printf '%s\n' "${BOOT_WITH[@]}" | median); bo=$(printf '%s\n' "${BOOT_WITHOUT[@]}" | median)
  if [ "$WHAT" != cli ]; then
    printf '%-44s %9s s %9s s %7s\n' "agent: start to ready (target <= 1.0 s)" "$rw" "$ro" "$(ratio "$rw" "$ro")"
    printf '%-44s %9s s %9s s %7s\n' "agent: Quarkus's own 'started in'" "$bw" "$bo" "$(ratio "$bw" "$bo")"
  fi
fi

if [ "$WHAT" = all ] || [ "$WHAT" = cli ]; then
  "$LITESTREAM" replicate -config "$WORK/litestream.yml" >"$WORK/litestream.log" 2>&1 &
  ls_pid=$!
  until [ -n "$(find "$WORK/ls-replica" -name '*.snapshot.lz4' 2>/dev/null)" ]; do sleep 0.1; done
  kill "$ls_pid"; wait "$ls_pid" 2>/dev/null || true
  version() { java "${BASE[@]}" "$@" -jar "$JAR" --version; }
  restore() { rm -f "$WORK/r.db"; java "${BASE[@]}" "$@" -jar "$JAR" restore app -o "$WORK/r.db" --config "$WORK/lifeboat.yml"; }
  pair "cli: lifeboat --version" version
  pair "cli: lifeboat restore, one row (target <= 0.7 s)" restore
  restore_with=$LAST_WITH
  LS=()
  for i in $(seq "$RUNS"); do
    LS+=("$(run_once sh -c "rm -f '$WORK/l.db' && exec '$LITESTREAM' restore -config '$WORK/litestream.yml' -o '$WORK/l.db' '$WORK/ls.db'")")
  done
  ls=$(printf '%s\n' "${LS[@]}" | median)
  printf '%-44s %9s s\n' "cli: litestream restore, one row" "$ls"
  echo "lifeboat restore with the cache / litestream restore: $(ratio "$restore_with" "$ls")"
fi
