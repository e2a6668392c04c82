#!/usr/bin/env bash
# The status API under polling: a packaged agent with 50 SQLite databases (each replicated every second to a local
# file destination), run with the product's JVM flags (src/main/jvm/jvm.options: C1 only, serial GC), answers
# GET /api/v1/status, /api/v1/databases and one database's /history.
#   1 poll/s: agent CPU (utime+stime from /proc) over alternating blocks idle / 1 poll/s of /api/v1/status, so the
#     replication's own noise is measured in the same minutes: prints the mean difference and its 95 % band (2 SE of
#     the per-pair differences). "Not measurable" means the band includes zero.
#   10 polls/s: the three paths in turn: latency p50/p99/max, response size, and the CPU one request costs (over the
#     mean of the idle blocks), the steadier figure on a shared machine; then /q/health/live at 10/s, the floor any
#     request to this server costs (connection, routing, response) at that rate.
# BENCH_BASELINE=<a quarkus-app directory or its quarkus-run.jar> measures that build first, in the same run and the
# same way, and prints the ratios (e.g. a copy of main's target/quarkus-app). BENCH_APP=<dir> measures that build
# instead of target/quarkus-app. BENCH_JFR=<file.jfr> records a JFR
# profile of this build's agent during its 10 polls/s phase and prints its hottest methods.
# First drills wait an hour (50 first drills a few minutes after start would be measured as polling cost; drills off
# would make 50 drill-overdue warnings). Targets: p99 < 20 ms at 10 polls/s; 1 poll/s costs no CPU measurable above
# the noise. Not a test: nothing is asserted. Run it alone (flock /tmp/lifeboat-bench.lock bench/status-api.sh).
# Usage: bench/status-api.sh [SECONDS per block, default 15] [DATABASES, default 50] [PAIRS of idle/1-poll blocks, default 4]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. bin/jdk.sh
BLOCK=${1:-15}
DATABASES=${2:-50}
PAIRS=${3:-4}
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is missing" >&2; exit 1; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
JAVA_OPTS=("@$ROOT/src/main/jvm/jvm.options")
if [ "$(lifeboat_java_major "$JAVA_HOME" 2>/dev/null || echo 0)" -ge 24 ] 2>/dev/null; then
  JAVA_OPTS+=("@$ROOT/src/main/jvm/jvm-24.options")
fi
export MALLOC_ARENA_MAX=2

WORK=$(mktemp -d /tmp/lifeboat-status-bench-XXXXXX)
AGENT=
stop_agent() {
  if [ -n "$AGENT" ]; then kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null || true; fi
  AGENT=
}
cleanup() {
  stop_agent
  if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# One app copy per build: a rebuild of target/ while the bench runs must not pull classes from under it.
cp -r "${BENCH_APP:-target/quarkus-app}" "$WORK/app-this"
if [ -n "${BENCH_BASELINE:-}" ]; then
  base_dir=$BENCH_BASELINE
  [ -f "$base_dir" ] && base_dir=$(dirname "$base_dir")
  [ -f "$base_dir/quarkus-run.jar" ] || { echo "bench: no quarkus-run.jar in $BENCH_BASELINE" >&2; exit 1; }
  cp -r "$base_dir" "$WORK/app-baseline"
fi

# measure LABEL APP_DIR [JFR_FILE]: one agent on fresh databases, all phases; appends its summary to $WORK/results.
measure() {
  local label=$1 app=$2 jfr=${3:-} dir="$WORK/$1"
  mkdir -p "$dir"
  {
    echo "destinations:"
    echo "  local: {url: \"file://$dir/replica\"}"
    echo "databases:"
    for i in $(seq -w 1 "$DATABASES"); do
      sqlite3 "$dir/db$i.db" "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('x');" >/dev/null
      echo "  db$i: {type: sqlite, path: \"$dir/db$i.db\", destination: local, drill: {first-delay: 1h}}"
    done
    echo "alerts: {state-dir: \"$dir/state\"}"
  } > "$dir/lifeboat.yml"
  local port opts=("${JAVA_OPTS[@]}")
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PORT=$port java "${opts[@]}" -jar "$app/quarkus-run.jar" agent --config "$dir/lifeboat.yml" > "$dir/agent.log" 2>&1 &
  AGENT=$!
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/api/v1/status" -o /dev/null && break
    kill -0 "$AGENT" 2>/dev/null || { echo "bench: the $label agent exited" >&2; tail -20 "$dir/agent.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "bench: $label: agent up with $DATABASES sqlite databases; warming up 20 s (first snapshots, audits)"
  sleep 20
  python3 - "$port" "$AGENT" "$BLOCK" "$PAIRS" "db$(seq -w 1 "$DATABASES" | head -1)" "$label" "$jfr" "$WORK/results" <<'PY'
import http.client, json, os, statistics, subprocess, sys, time
port, pid, block, pairs, db, label, jfr, results = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8]
tick = os.sysconf("SC_CLK_TCK")

def cpu_seconds():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

def get(path):
    """One poll as a script makes it: a new connection, one GET, the whole body read."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    start = time.perf_counter()
    c.request("GET", path, headers={"Accept": "application/json"})
    r = c.getresponse()
    body = r.read()
    elapsed = (time.perf_counter() - start) * 1000
    c.close()
    return r.status, len(body), elapsed

def run(rate, paths, seconds):
    """Polls the paths in turn at rate per second for seconds; returns (cpu seconds used, wall seconds, latencies per path)."""
    latencies = {p: [] for p in paths}
    c0, t0 = cpu_seconds(), time.monotonic()
    n = 0
    while time.monotonic() - t0 < seconds:
        if rate:
            p = paths[n % len(paths)]
            status, size, ms = get(p)
            if status == 200:
                latencies[p].append((ms, size))
            n += 1
            time.sleep(max(0, t0 + n / rate - time.monotonic()))
        else:
            time.sleep(0.2)
    return cpu_seconds() - c0, time.monotonic() - t0, latencies

def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

candidates = ["/api/v1/status", "/api/v1/databases", f"/api/v1/databases/{db}/history"]
paths = [p for p in candidates if get(p)[0] == 200]
print(f"{label}: polled: {', '.join(paths)}")
# Warm the JIT (C1) on the polled paths: compiling the serialization code is start-up cost, not polling cost.
for i in range(1500):
    get(paths[i % len(paths)])
time.sleep(10)

# Alternating idle / 1 poll/s blocks: replication noise drifts over minutes; pairs cancel the drift.
idle, one, diffs = [], [], []
for i in range(pairs):
    ci, wi, _ = run(0, paths, block)
    c1, w1, lat1 = run(1, ["/api/v1/status"], block)
    idle.append(ci / wi * 100)
    one.append(c1 / w1 * 100)
    diffs.append(one[-1] - idle[-1])
    print(f"{label}: pair {i + 1}: idle {idle[-1]:5.2f} %  1 poll/s {one[-1]:5.2f} %  (% of one core)")
mean_diff = statistics.mean(diffs)
band = 2 * statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else float("nan")
base = statistics.mean(idle)

if jfr:
    subprocess.run(["jcmd", str(pid), "JFR.start", "name=status", "settings=profile", f"filename={jfr}"], check=True, stdout=subprocess.DEVNULL)
cpu10, wall10, lat = run(10, paths, max(30.0, 2 * block))
if jfr:
    subprocess.run(["jcmd", str(pid), "JFR.stop", "name=status"], check=True, stdout=subprocess.DEVNULL)
# The floor: the same polling of /q/health/live (no document at all) says what any request costs this server.
cpuf, wallf, latf = run(10, ["/q/health/live"], max(20.0, block))
floor = max(0.0, (cpuf - base / 100 * wallf) / max(1, len(latf["/q/health/live"])) * 1000)
n10 = sum(len(v) for v in lat.values())
share10 = cpu10 / wall10 * 100
per_request = max(0.0, (cpu10 - base / 100 * wall10) / n10 * 1000)
print(f"{label}: 10 polls/s: agent CPU {share10:5.2f} % of a core, {share10 - base:+.2f} % over idle")
out = {"label": label, "idle": base, "one_diff": mean_diff, "one_band": band, "ten_diff": share10 - base, "per_request_ms": per_request, "floor_ms": floor, "paths": {}}
for p, samples in lat.items():
    if samples:
        ms = [s[0] for s in samples]
        out["paths"][p] = {"n": len(ms), "p50": pct(ms, .5), "p99": pct(ms, .99), "max": max(ms), "bytes": samples[-1][1]}
        print(f"{label}:   {p}: n={len(ms)} p50 {pct(ms, .5):.2f} ms  p99 {pct(ms, .99):.2f} ms  max {max(ms):.1f} ms  ({samples[-1][1]} bytes)")
print(f"{label}: idle {base:.2f} % of a core (blocks {min(idle):.2f}-{max(idle):.2f} %)")
print(f"{label}: 1 poll/s: {mean_diff:+.3f} % of a core over idle, 95 % band ±{band:.3f} % ({pairs} pairs of {block:.0f} s)"
      f" -> {'not measurable' if abs(mean_diff) <= band else 'measurable'}")
print(f"{label}: 10 polls/s: about {per_request:.3f} ms of CPU per request, so 1 poll/s would cost about {per_request / 10:.4f} % of a core")
print(f"{label}: the floor: GET /q/health/live at 10/s costs about {floor:.3f} ms of CPU per request")
with open(results, "a") as f:
    f.write(json.dumps(out) + "\n")
PY
  if [ -n "$jfr" ]; then
    echo "bench: $label: hottest methods of the 10 polls/s phase (JFR execution samples, $jfr)"
    jfr view --width 160 hot-methods "$jfr" 2>/dev/null | head -40 || true
  fi
  stop_agent
}

[ -n "${BENCH_BASELINE:-}" ] && measure baseline "$WORK/app-baseline"
measure this "$WORK/app-this" "${BENCH_JFR:-}"

python3 - "$WORK/results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
if len(rows) == 2:
    b, t = rows
    print("bench: this build against the baseline of the same run:")
    print(f"  CPU per request at 10 polls/s: {t['per_request_ms']:.3f} ms vs {b['per_request_ms']:.3f} ms"
          f" ({t['per_request_ms'] / b['per_request_ms'] if b['per_request_ms'] else float('nan'):.2f}x)")
    print(f"  the floor (/q/health/live at 10/s): {t['floor_ms']:.3f} ms vs {b['floor_ms']:.3f} ms per request")
    print(f"  1 poll/s over idle: {t['one_diff']:+.3f} % ±{t['one_band']:.3f} vs {b['one_diff']:+.3f} % ±{b['one_band']:.3f} (% of a core)")
    for p in t["paths"]:
        if p in b["paths"]:
            print(f"  {p}: p50 {t['paths'][p]['p50']:.2f} vs {b['paths'][p]['p50']:.2f} ms, p99 {t['paths'][p]['p99']:.2f} vs {b['paths'][p]['p99']:.2f} ms")
PY
echo "bench: numbers from a shared 2-core machine; other processes add noise to the CPU figures"
