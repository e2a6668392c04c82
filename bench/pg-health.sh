#!/usr/bin/env bash
# Cost of the PostgreSQL health watch, in one run against one throwaway PostgreSQL 15 cluster (max_connections 250):
#   1. poll time p50/p99 of the watch's query batch at interval 1s while 200 client sessions are open
#      (every tenth idle in a transaction)                                                  target: p99 < 20 ms
#   2. pgbench tps (scale 10, CLIENTS clients, DURATION seconds each) with the 200 sessions held, without and with the watch
#      polling every second, alternated ROUNDS times; prints the with/without ratio          target: >= 99 %
# Not a test: nothing is asserted. Needs postgresql-15 (server, pgbench) and root (the cluster runs as postgres).
# Do not run it on a machine shared with other work: the numbers would measure the neighbours.
# Usage: [CLIENTS=4] [DURATION=30] [ROUNDS=2] bench/pg-health.sh
CLIENTS=${CLIENTS:-4}
SECONDS_EACH=${DURATION:-30}
ROUNDS=${ROUNDS:-2}
. "$(dirname "$0")/lib.sh"
bench_init "$PGBIN/pgbench"
bench_postgres
psql -q "$ADMIN" -c "ALTER SYSTEM SET max_connections = 250"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" restart >/dev/null  # keeps the start options
psql -q "$ADMIN" -c "CREATE DATABASE bench"
"$PGBIN/pgbench" -q -i -s 10 -h 127.0.0.1 -p "$PGPORT" -U postgres bench >/dev/null 2>&1

./mvnw -B -q -ntp test-compile
CP=$(./mvnw -B -q -ntp dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
JDBC="jdbc:postgresql://127.0.0.1:$PGPORT/bench?user=postgres"
URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
load() { # MODE SECONDS: 200 sessions held (and the watch polling with MODE=watch) in the background
  java -cp "target/classes:target/test-classes:$CP" dev.lifeboat.postgres.health.PgHealthBench "$JDBC" "$URL" 200 "$2" "$1" 1000 \
    > "$WORK/load.$1.out" 2>&1 &
  LOAD_PID=$!
  BENCH_PIDS+=("$LOAD_PID")
  until grep -q '^holding' "$WORK/load.$1.out" 2>/dev/null; do sleep 0.2; kill -0 "$LOAD_PID" || { cat "$WORK/load.$1.out"; exit 1; }; done
}
tps() { "$PGBIN/pgbench" -n -c "$CLIENTS" -j 2 -T "$SECONDS_EACH" -h 127.0.0.1 -p "$PGPORT" -U postgres bench 2>/dev/null \
  | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'; }

without=(); with=()
for round in $(seq "$ROUNDS"); do
  load hold $((SECONDS_EACH + 5)); without+=("$(tps)"); wait "$LOAD_PID"
  load watch $((SECONDS_EACH + 5)); with+=("$(tps)"); wait "$LOAD_PID"
  echo "round $round: tps without the watch ${without[-1]}, with ${with[-1]}; $(grep '^poll time' "$WORK/load.watch.out")"
done
# A longer poll-only run for the percentiles (120 polls at interval 1s, no pgbench).
load watch 120; wait "$LOAD_PID"
grep '^poll time' "$WORK/load.watch.out"
python3 - "${without[*]}" "${with[*]}" <<'PY'
import sys
wo = [float(x) for x in sys.argv[1].split()]
w = [float(x) for x in sys.argv[2].split()]
print(f"pgbench tps without the watch: {sum(wo)/len(wo):.1f}, with: {sum(w)/len(w):.1f}, ratio {sum(w)/sum(wo)*100:.1f} % (target >= 99 %)")
PY
uptime
