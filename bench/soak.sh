#!/usr/bin/env bash
# Soak of the packaged agent: is it flat over time? One agent (bin/lifeboat's JVM flags) replicates a SQLite database
# under a steady writer (python3's sqlite3, 50 commits a second), backs up a PostgreSQL database every minute, drills
# both every five minutes, and reaches S3Proxy only through the tests' fault proxy (dev.lifeboat.testing.FaultProxy
# run as a process), which every FAULT_EVERY seconds switches to the next fault of a cycle: a black hole (accepts,
# never answers) for FAULT_SECONDS, 503 SlowDown to a third of the requests for 60 s, connection resets for
# FAULT_SECONDS, 500 ms latency per request for 60 s. Every 10 s it samples the agent's RSS, open file descriptors,
# threads and heap after a full GC (jcmd GC.run + GC.heap_info), then prints each one's least-squares slope after the
# warm-up (the first fifth of the run) per 30 minutes, what moved in native memory (NMT) and which threads grew, and
# at the end checks that a restore of each database is exact: the SQLite replica against the live database once the
# writer stopped, and the newest pg_dump backup against the source (whose rows do not change).
# Targets (issue 15): RSS growth < 5 MB per 30 minutes after warm-up, no fd or thread growth, every restore exact.
# Not a test: nothing is asserted; the exit status is 1 only when a restore is not exact.
# Usage: bench/soak.sh [MINUTES, default 30]   Environment: FAULT_EVERY (s, default 180), FAULT_SECONDS (default 30),
# BENCH_KEEP=1 keeps the work directory (agent log, samples, NMT diff).
. "$(dirname "$0")/lib.sh"
MINUTES=${1:-30}
FAULT_EVERY=${FAULT_EVERY:-180}
FAULT_SECONDS=${FAULT_SECONDS:-30}
bench_init sqlite3 jcmd python3
bench_postgres
PGURL="postgres://postgres@127.0.0.1:$PGPORT/shop"
bench_events "$PGURL" 200000
bench_s3proxy
[ -f target/test-classes/dev/lifeboat/testing/FaultProxyControl.class ] || ./mvnw -B -q -ntp test-compile
mkfifo "$WORK/faults"
java -cp target/test-classes dev.lifeboat.testing.FaultProxyControl http 127.0.0.1 "$S3PORT" < "$WORK/faults" > "$WORK/faults.log" 2>&1 &
BENCH_PIDS+=($!)
exec 7> "$WORK/faults" # held open: the proxy ends with its input
for _ in $(seq 100); do grep -q '^port ' "$WORK/faults.log" && break; sleep 0.1; done
PROXYPORT=$(sed -n 's/^port //p' "$WORK/faults.log")
sqlite3 "$WORK/app.db" "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, at REAL, v BLOB);" > /dev/null
{ bench_destination_yaml | sed "s/:$S3PORT\$/:$PROXYPORT/"; cat <<YAML
    request-timeout: 10s
databases:
  app:
    type: sqlite
    path: $WORK/app.db
    destination: s3
    sync-interval: 1s
    drill: { schedule: 5m, first-delay: 1m, scratch-dir: $WORK/drills }
  shop:
    type: postgres
    url: "$PGURL"
    destination: s3
    schedule: 1m
    drill: { schedule: 5m, first-delay: 2m }
alerts:
  state-dir: $WORK/alerts
YAML
} > "$WORK/lifeboat.yml"

PORT=$(free_port)
# NMT (summary) so the end of the run can say where native memory moved after warm-up.
PORT=$PORT LIFEBOAT_JAVA_OPTS="-XX:NativeMemoryTracking=summary ${LIFEBOAT_JAVA_OPTS:-}" bin/lifeboat agent --config "$WORK/lifeboat.yml" > "$WORK/agent.log" 2>&1 &
AGENT_SH=$!
BENCH_PIDS+=($AGENT_SH)
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/q/health/live" > /dev/null && break; sleep 0.2; done
AGENT=$AGENT_SH # bin/lifeboat execs java
echo "soak: agent pid $AGENT on port $PORT, $MINUTES min, an S3 fault every ${FAULT_EVERY}s (black hole ${FAULT_SECONDS}s, 503 to a third 60s, resets ${FAULT_SECONDS}s, latency 500 ms 60s)"

# The app: 50 commits a second until $WORK/stop exists.
python3 - "$WORK/app.db" "$WORK/stop" <<'PY' &
import os, sqlite3, sys, time
db, stop = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA busy_timeout=5000")
while not os.path.exists(stop):
    c.execute("INSERT INTO t(at, v) VALUES (?, randomblob(200))", (time.time(),))
    time.sleep(0.02)
PY
WRITER=$!
BENCH_PIDS+=($WRITER)

echo "t_s rss_kb fds threads heap_kb" > "$WORK/samples"
START=$(date +%s)
END=$((START + MINUTES * 60))
NEXT_FAULT=$((START + FAULT_EVERY))
FAULTS=0
FAULT_ENDS=
WARMED=$((START + MINUTES * 12)) # the first fifth
# Thread names with numbers folded (pool-3-thread-7 -> pool-#-thread-#), counted: what grew is what leaks.
thread_names() { jcmd "$AGENT" Thread.print 2>/dev/null | sed -n 's/^"\([^"]*\)".*/\1/p' | sed 's/[0-9][0-9]*/#/g; s/ /_/g' | sort | uniq -c | sort -k2; }
while [ "$(date +%s)" -lt "$END" ]; do
  now=$(date +%s)
  if [ "$now" -ge "$NEXT_FAULT" ]; then
    case $((FAULTS % 4)) in
      0) echo blackhole >&7; fault_for=$FAULT_SECONDS ;;
      1) echo "errors 503 0.33" >&7; fault_for=60 ;;
      2) echo reset >&7; fault_for=$FAULT_SECONDS ;;
      3) echo "latency 500" >&7; fault_for=60 ;;
    esac
    FAULTS=$((FAULTS + 1))
    FAULT_ENDS=$((now + fault_for))
    NEXT_FAULT=$((NEXT_FAULT + FAULT_EVERY))
  fi
  if [ -n "$FAULT_ENDS" ] && [ "$now" -ge "$FAULT_ENDS" ]; then
    echo pass >&7; FAULT_ENDS=
  fi
  if [ -n "$WARMED" ] && [ "$now" -ge "$WARMED" ]; then
    jcmd "$AGENT" VM.native_memory baseline > /dev/null 2>&1; thread_names > "$WORK/threads-warm"; WARMED=
  fi
  jcmd "$AGENT" GC.run > /dev/null 2>&1 || { echo "soak: agent gone" >&2; tail -20 "$WORK/agent.log" >&2; exit 1; }
  heap=$(jcmd "$AGENT" GC.heap_info 2>/dev/null | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub("K,?", "", $(i+1)); s += $(i+1) } } END { print s + 0 }')
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT/status")
  threads=$(awk '/^Threads/ { print $2 }' "/proc/$AGENT/status")
  fds=$(ls "/proc/$AGENT/fd" | wc -l)
  echo "$((now - START)) $rss $fds $threads $heap" >> "$WORK/samples"
  sleep 10
done

echo pass >&7
jcmd "$AGENT" GC.run > /dev/null 2>&1
jcmd "$AGENT" VM.native_memory summary.diff scale=KB > "$WORK/nmt-diff" 2>&1
thread_names > "$WORK/threads-end"
echo "soak: native memory after warm-up, committed change by category (KB; full diff in $WORK/nmt-diff):"
grep '^-' "$WORK/nmt-diff" | grep -E 'committed=[0-9]+KB [+-]' | sed 's/(reserved=[^,]*, /(/; s/^- */  /' | head -30
echo "soak: thread names whose count changed after warm-up (before -> after):"
join -1 2 -2 2 -a 1 -a 2 -e 0 -o 0,1.1,2.1 <(awk '{ print $1, $2 }' "$WORK/threads-warm" | sort -k2) <(awk '{ print $1, $2 }' "$WORK/threads-end" | sort -k2) | awk '$2 != $3 { print "  " $1 ": " $2 " -> " $3 }'
touch "$WORK/stop"; wait "$WRITER" || true
sleep 5 # a few syncs after the last commit
python3 - "$WORK/samples" <<'PY'
import sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]).read().splitlines()[1:]]
rows = rows[len(rows) // 5:]  # after warm-up
def slope(i):
    xs = [r[0] for r in rows]; ys = [r[i] for r in rows]
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    d = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / d * 1800 if d else 0.0
print(f"soak: {len(rows)} samples after warm-up")
print(f"RSS      slope {slope(1) / 1024:+7.2f} MB / 30 min   (last {rows[-1][1] / 1024:.0f} MB; target < +5)")
print(f"heap     slope {slope(4) / 1024:+7.2f} MB / 30 min   after GC (last {rows[-1][4] / 1024:.1f} MB)")
print(f"fds      slope {slope(2):+7.2f} / 30 min        (last {rows[-1][2]:.0f}; target 0)")
print(f"threads  slope {slope(3):+7.2f} / 30 min        (last {rows[-1][3]:.0f}; target 0)")
PY
echo "soak: faults applied $FAULTS, the proxy's last answer: $(grep '^ok\|^error' "$WORK/faults.log" | tail -1)"
echo "soak: drills passed $(grep -c 'drill .* of .* passed' "$WORK/agent.log" || true), backups done $(grep -c 'backup .* done' "$WORK/agent.log" || true), sync failures logged $(grep -c 'sync failed\|sync still failing' "$WORK/agent.log" || true), recoveries $(grep -c 'recovered after' "$WORK/agent.log" || true)"

exact=0
bin/lifeboat restore app --config "$WORK/lifeboat.yml" -o "$WORK/restored.db" > "$WORK/restore-app.log" 2>&1 || cat "$WORK/restore-app.log"
rows="SELECT count(*) || ' ' || hex(sha3_query('SELECT * FROM t ORDER BY id'))"
if [ "$(sqlite3 "$WORK/app.db" "$rows")" = "$(sqlite3 "$WORK/restored.db" "$rows" 2>/dev/null)" ]; then
  echo "restore app: exact ($(sqlite3 "$WORK/app.db" 'SELECT count(*) FROM t') rows)"
else
  echo "restore app: NOT EXACT: live $(sqlite3 "$WORK/app.db" 'SELECT count(*) FROM t') rows, restored $(sqlite3 "$WORK/restored.db" 'SELECT count(*) FROM t' 2>&1)"; exact=1
fi
bin/lifeboat restore shop --config "$WORK/lifeboat.yml" --to "postgres://postgres@127.0.0.1:$PGPORT/copy" > "$WORK/restore-shop.log" 2>&1 || cat "$WORK/restore-shop.log"
digest() { psql -tA "$1" -c "SELECT count(*) || ' ' || md5(string_agg(md5(e::text), '' ORDER BY id)) FROM events e"; }
if [ "$(digest "$PGURL")" = "$(digest "postgres://postgres@127.0.0.1:$PGPORT/copy" 2>/dev/null)" ]; then
  echo "restore shop: exact ($(digest "$PGURL"))"
else
  echo "restore shop: NOT EXACT"; exact=1
fi
exit $exact
