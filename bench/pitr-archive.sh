#!/usr/bin/env bash
# Benchmark of PostgreSQL WAL archiving (pitr.enabled) by the packaged agent, against one S3Proxy, under pgbench:
#   commit -> archived lag: a probe commits one row every 250 ms and reads the WAL position after its commit; the
#   agent's status (walArchive.archivedLsn, which advances only once an object is stored) is polled every 100 ms;
#   the lag of a probe is the first poll at or past its position minus its commit time. p50/p99 over the run.
#   Agent CPU seconds (utime+stime over the run) and peak RSS (VmHWM). pgbench's tps is printed for reference.
#   Where the time goes: this tree's agent logs each upload at debug level (encode and store times, how long its
#   oldest WAL had waited); the script summarises those lines.
# Side by side: BASELINE=DIR (a quarkus-app directory, e.g. another checkout's target/quarkus-app, copied first so a
#   rebuild there does not matter) runs that build as a second agent at the same time, on the same PostgreSQL, probes
#   and pgbench, with its own slot and bucket prefix; ratios are printed against it.
# Both agents run with the product's JVM flags (src/main/jvm/jvm.options, as bin/lifeboat and the images do).
# Target: p99 <= 2 x archive-timeout. Not a test: nothing is asserted. Run under `flock /tmp/lifeboat-bench.lock`.
# Needs: postgresql-15 (server, client, pgbench), a built tree (./mvnw package).
# RATE=TPS limits pgbench (-R): at a few hundred tps segments fill slowly and partials carry the lag.
# Usage: [ARCHIVE_TIMEOUT=5s] [SECONDS_RUN=60] [CLIENTS=2] [RATE=tps] [BASELINE=/path/to/quarkus-app] bench/pitr-archive.sh
. "$(dirname "$0")/lib.sh"
ARCHIVE_TIMEOUT=${ARCHIVE_TIMEOUT:-5s}
SECONDS_RUN=${SECONDS_RUN:-60}
CLIENTS=${CLIENTS:-2}
RATE=${RATE:-}
BASELINE=${BASELINE:-}
bench_init pgbench psql
bench_postgres
URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
psql -q "$ADMIN" -c "CREATE DATABASE bench"
pgbench -q -i -s 10 "$URL" > "$WORK/pgbench-init.log" 2>&1
psql -q "$URL" -c "CREATE TABLE probe (id serial PRIMARY KEY, at timestamptz DEFAULT now())"
bench_s3proxy

export MALLOC_ARENA_MAX=2
JVM=("@$ROOT/src/main/jvm/jvm.options")
[ "$(lifeboat_java_major "$JAVA_HOME" 2>/dev/null || echo 0)" -ge 24 ] && JVM+=("@$ROOT/src/main/jvm/jvm-24.options")
AGENTS=()
start_agent() { # NAME QUARKUS_APP_DIR: writes its config, starts it, appends "name pid status-url log" to AGENTS
  local name=$1 app=$2 port
  { bench_destination_yaml | sed "s|s3://bench/lifeboat|s3://bench/$name|"; cat <<YAML
databases:
  bench:
    type: postgres
    url: "$URL"
    destination: s3
    health: { enabled: false }
    drill: { enabled: false }
    schedule: 1000d
    pitr: { enabled: true, archive-timeout: $ARCHIVE_TIMEOUT, slot: $name }
YAML
  } > "$WORK/$name.yml"
  port=$(free_port)
  PORT=$port java "${JVM[@]}" '-Dquarkus.log.category."dev.lifeboat.pitr".level=DEBUG' -jar "$app/quarkus-run.jar" \
    agent --config "$WORK/$name.yml" > "$WORK/$name.log" 2>&1 &
  BENCH_PIDS+=($!)
  AGENTS+=("$name $! http://127.0.0.1:$port/api/v1/status $WORK/$name.log")
}
start_agent lifeboat "$ROOT/target/quarkus-app"
if [ -n "$BASELINE" ]; then
  [ -f "$BASELINE/quarkus-run.jar" ] || { echo "bench: BASELINE=$BASELINE holds no quarkus-run.jar" >&2; exit 1; }
  cp -r "$BASELINE" "$WORK/baseline-app"
  rm -f "$WORK/baseline-app/lifeboat.aot"
  start_agent baseline "$WORK/baseline-app"
fi
for agent in "${AGENTS[@]}"; do
  read -r name pid status log <<< "$agent"
  for _ in $(seq 600); do
    curl -fs "$status" 2>/dev/null | grep -q '"archivedLsn"' && break
    sleep 0.2
  done
  curl -fs "$status" | grep -q '"archivedLsn"' || { echo "bench: agent $name did not start archiving" >&2; tail -20 "$log" >&2; exit 1; }
done
echo "bench: archive-timeout $ARCHIVE_TIMEOUT, pgbench -c $CLIENTS${RATE:+ -R $RATE} for ${SECONDS_RUN}s, agents: ${AGENTS[*]%% *}${BASELINE:+ (baseline: $BASELINE)}"
python3 - "$URL" "$SECONDS_RUN" "$CLIENTS" "$ARCHIVE_TIMEOUT" "${RATE:-0}" "${AGENTS[@]}" <<'PY'
import json, re, subprocess, sys, threading, time, urllib.request
url, seconds, clients, timeout, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
agents = [dict(zip(("name", "pid", "status", "log"), a.split())) for a in sys.argv[6:]]
timeout_s = float(re.sub("[^0-9.]", "", timeout)) * (60 if timeout.endswith("m") else 1)
def lsn(s):
    hi, lo = s.split("/"); return (int(hi, 16) << 32) | int(lo, 16)
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0
probes, done = [], threading.Event()
def poll(agent):
    while not done.is_set():
        try:
            doc = json.load(urllib.request.urlopen(agent["status"], timeout=2))
            a = doc["databases"]["bench"]["walArchive"].get("archivedLsn")
            if a: agent["polls"].append((time.time(), lsn(a)))
        except Exception:
            pass
        time.sleep(0.1)
def probe():
    while not done.is_set():
        out = subprocess.run(["psql", "-tA", url, "-c", "INSERT INTO probe DEFAULT VALUES", "-c", "SELECT pg_current_wal_insert_lsn()"],
                             capture_output=True, text=True).stdout.split()
        probes.append((time.time(), lsn(out[-1])))
        time.sleep(0.25)
threads = [threading.Thread(target=probe)]
for a in agents:
    a["polls"], a["cpu0"] = [], cpu(a["pid"])
    threads.append(threading.Thread(target=poll, args=(a,)))
started = time.time()
for t in threads: t.start()
bench = subprocess.run(["pgbench", "-n", "-c", clients, "-T", str(seconds)] + (["-R", rate] if rate != "0" else []) + [url],
                       capture_output=True, text=True).stdout
stop_at = time.time()
time.sleep(3 * timeout_s + 2)
done.set()
for t in threads: t.join()
def pct(xs, p): return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")
tps = re.search(r"tps = ([0-9.]+)", bench)
print(f"pgbench: {tps.group(1) if tps else '?'} tps with {len(agents)} agent(s) archiving")
print(f"{'agent':10} {'probes':>6} {'lag p50':>8} {'lag p99':>8} {'lag max':>8} {'CPU s':>7} {'peak RSS':>9}   target p99 <= 2 x {timeout} = {2 * timeout_s:.1f} s")
for a in agents:
    a["cpu"] = cpu(a["pid"]) - a["cpu0"]
    a["rss"] = int([l for l in open(f"/proc/{a['pid']}/status") if l.startswith("VmHWM")][0].split()[1]) // 1024
    lags = []
    for t, l in probes:
        if t > stop_at: continue
        hit = next((pt for pt, pl in a["polls"] if pl >= l and pt >= t), None)
        if hit is not None: lags.append(hit - t)
    lags.sort()
    a["p50"], a["p99"] = pct(lags, 0.5), pct(lags, 0.99)
    verdict = "met" if a["p99"] <= 2 * timeout_s else "MISSED"
    print(f"{a['name']:10} {len(lags):6d} {a['p50']:7.2f}s {a['p99']:7.2f}s {lags[-1] if lags else float('nan'):7.2f}s"
          f" {a['cpu']:7.1f} {a['rss']:6d} MiB   {verdict} (CPU over {time.time() - started:.0f} s)")
if len(agents) == 2:
    n, b = agents
    print(f"ratio {n['name']}/{b['name']}: lag p50 {n['p50'] / b['p50']:.2f}x, p99 {n['p99'] / b['p99']:.2f}x,"
          f" CPU {n['cpu'] / max(b['cpu'], 0.01):.2f}x, peak RSS {n['rss'] / b['rss']:.2f}x")
line = re.compile(r"stored (\S+) of bench \((\d+) bytes\): encoded in (\d+) ms, stored in (\d+) ms, its oldest WAL waited (-?\d+) ms")
for a in agents:
    ups = [m.groups() for m in map(line.search, open(a["log"], errors="replace")) if m]
    for kind, pick in (("partials", lambda k: ".partial." in k), ("segments", lambda k: ".partial." not in k)):
        rows = [u for u in ups if pick(u[0])]
        if not rows: continue
        col = lambda i: sorted(int(r[i]) for r in rows)
        enc, sto, wait, size = col(2), col(3), col(4), col(1)
        print(f"{a['name']} {kind}: {len(rows)}, encode p50 {pct(enc, .5)} ms max {enc[-1]} ms, store p50 {pct(sto, .5)} ms max {sto[-1]} ms,"
              f" oldest WAL waited p50 {pct(wait, .5) / 1000:.2f} s max {wait[-1] / 1000:.2f} s, {pct(size, .5) // 1024} KiB p50")
PY
for agent in "${AGENTS[@]}"; do
  read -r name _ _ _ <<< "$agent"
  echo "bench: $name's objects in the bucket: $(find "$WORK/s3/bench/$name" -type f -path '*pitr/wal*' 2>/dev/null | wc -l)"
done
