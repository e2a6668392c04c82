#!/usr/bin/env bash
# The status API under polling: a packaged agent with 50 SQLite databases (each replicated every second to a local
# file destination) answers GET /api/v1/status (and /api/v1/databases and one database's /history when the agent
# has them) polled 10 times a second; prints latency p50/p99/max and the response size. Agent CPU (utime+stime from
# /proc) is measured over the same length of time idle, at 1 poll/s and at 10 polls/s, idle three times (around each polling rate)
# so the noise floor of the replication itself is in the same run. The JIT is warmed first (1500 polls, then 30 s).
# Targets: p99 < 20 ms at 10 polls/s; 1 poll/s costs no CPU measurable above the spread of three idle phases.
# Also prints the CPU one request costs (10 polls/s over idle, per request), the steadier figure on a shared machine.
# First drills wait an hour (50 first drills a few minutes after start would be measured as polling cost; drills off
# would make 50 drill-overdue warnings). Not a test: nothing is asserted. Run it alone (flock /tmp/lifeboat-bench.lock bench/status-api.sh).
# Usage: bench/status-api.sh [SECONDS per phase, default 30] [DATABASES, default 50]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. bin/jdk.sh
SECONDS_PER_PHASE=${1:-30}
DATABASES=${2:-50}
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is missing" >&2; exit 1; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests

WORK=$(mktemp -d /tmp/lifeboat-status-bench-XXXXXX)
AGENT=
cleanup() {
  [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

{
  echo "destinations:"
  echo "  local: {url: \"file://$WORK/replica\"}"
  echo "databases:"
  for i in $(seq -w 1 "$DATABASES"); do
    sqlite3 "$WORK/db$i.db" "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('x');" >/dev/null
    echo "  db$i: {type: sqlite, path: \"$WORK/db$i.db\", destination: local, drill: {first-delay: 1h}}"
  done
  echo "alerts: {state-dir: \"$WORK/state\"}"
} > "$WORK/lifeboat.yml"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cp -r target/quarkus-app "$WORK/app" # a rebuild of target/ while the bench runs must not pull classes from under it
PORT=$PORT java -XX:+UseSerialGC -jar "$WORK/app/quarkus-run.jar" agent --config "$WORK/lifeboat.yml" > "$WORK/agent.log" 2>&1 &
AGENT=$!
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/status" -o /dev/null && break
  kill -0 "$AGENT" 2>/dev/null || { echo "bench: the agent exited" >&2; tail -20 "$WORK/agent.log" >&2; exit 1; }
  sleep 0.2
done
echo "bench: agent up with $DATABASES sqlite databases; warming up 20 s (first snapshots, audits, JIT)"
sleep 20

python3 - "$PORT" "$AGENT" "$SECONDS_PER_PHASE" "db$(seq -w 1 "$DATABASES" | head -1)" <<'PY'
import http.client, os, sys, time
port, pid, phase = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
tick = os.sysconf("SC_CLK_TCK")

def cpu_seconds():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    start = time.perf_counter()
    c.request("GET", path, headers={"Accept": "application/json"})
    r = c.getresponse()
    body = r.read()
    elapsed = (time.perf_counter() - start) * 1000
    c.close()
    return r.status, len(body), elapsed

def run(rate, paths):
    """Polls the paths in turn at rate per second for one phase; returns (cpu seconds used, latencies per path)."""
    latencies = {p: [] for p in paths}
    c0, t0 = cpu_seconds(), time.monotonic()
    n = 0
    while time.monotonic() - t0 < phase:
        if rate:
            p = paths[n % len(paths)]
            status, size, ms = get(p)
            if status == 200:
                latencies[p].append((ms, size))
            n += 1
            next_at = t0 + n / rate
            time.sleep(max(0, next_at - time.monotonic()))
        else:
            time.sleep(0.2)
    return cpu_seconds() - c0, time.monotonic() - t0, latencies

candidates = ["/api/v1/status", "/api/v1/databases", f"/api/v1/databases/{sys.argv[4]}/history"]
paths = [p for p in candidates if get(p)[0] == 200]
print(f"polled: {', '.join(paths)} (absent here: {', '.join(p for p in candidates if p not in paths) or 'none'})")

def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

# Warm the JIT on the polled paths first: the first thousand requests compile the serialization code (C2 threads
# stay busy for a while after), which is start-up cost, not the cost of polling.
for i in range(1500):
    get(paths[i % len(paths)])
time.sleep(30)

phases = [("idle", 0, paths), ("1 poll/s", 1, ["/api/v1/status"]), ("idle", 0, paths), ("10 polls/s", 10, paths), ("idle", 0, paths)]
idle, busy = [], {}
for name, rate, ps in phases:
    cpu, wall, lat = run(rate, ps)
    share = cpu / wall * 100
    if rate == 0:
        idle.append(share)
    else:
        busy[name] = (share, cpu, wall, sum(len(v) for v in lat.values()))
    print(f"{name:>11}: agent CPU {cpu:6.2f} s in {wall:4.0f} s = {share:5.2f} % of one core")
    for p, samples in lat.items():
        if samples:
            ms = [s[0] for s in samples]
            print(f"{'':>13}{p}: n={len(ms)} p50 {pct(ms, .5):.1f} ms  p99 {pct(ms, .99):.1f} ms  max {max(ms):.1f} ms  ({samples[-1][1]} bytes)")
base, noise = sum(idle) / len(idle), max(idle) - min(idle)
share10, cpu10, wall10, n10 = busy["10 polls/s"]
per_poll = max(0.0, (cpu10 - base / 100 * wall10) / n10 * 1000)
print(f"idle: {base:.2f} % of a core on average, spread {noise:.2f} % over {len(idle)} idle phases (the noise floor)")
print(f"1 poll/s: {busy['1 poll/s'][0] - base:+.2f} % over idle (noise floor {noise:.2f} %)")
print(f"10 polls/s: {share10 - base:+.2f} % over idle, about {per_poll:.2f} ms of CPU per request, "
      f"so 1 poll/s costs about {per_poll / 10:.3f} % of a core")
PY
echo "bench: numbers from a shared 2-core machine; other processes add noise to the CPU figures"
