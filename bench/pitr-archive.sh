#!/usr/bin/env bash
# Benchmark of PostgreSQL WAL archiving (pitr.enabled) by the packaged agent, against one S3Proxy, under pgbench:
#   commit -> archived lag: a probe commits one row every 250 ms and reads the WAL position after its commit; the
#   agent's status (walArchive.archivedLsn, which advances only once an object is stored) is polled every 100 ms;
#   the lag of a probe is the first poll at or past its position minus its commit time. p50/p99 over the run.
#   Agent CPU seconds (utime+stime over the run) and peak RSS (VmHWM). pgbench's tps is printed for reference.
# Target: p99 <= 2 x archive-timeout. Not a test: nothing is asserted. Run under `flock /tmp/lifeboat-bench.lock`.
# Needs: postgresql-15 (server, client, pgbench), a built tree (./mvnw package).
# Usage: [ARCHIVE_TIMEOUT=5s] [SECONDS_RUN=60] [CLIENTS=2] bench/pitr-archive.sh
. "$(dirname "$0")/lib.sh"
ARCHIVE_TIMEOUT=${ARCHIVE_TIMEOUT:-5s}
SECONDS_RUN=${SECONDS_RUN:-60}
CLIENTS=${CLIENTS:-2}
bench_init pgbench psql
bench_postgres
URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
psql -q "$ADMIN" -c "CREATE DATABASE bench"
pgbench -q -i -s 10 "$URL" > "$WORK/pgbench-init.log" 2>&1
psql -q "$URL" -c "CREATE TABLE probe (id serial PRIMARY KEY, at timestamptz DEFAULT now())"
bench_s3proxy
{ bench_destination_yaml; cat <<YAML
databases:
  bench:
    type: postgres
    url: "$URL"
    destination: s3
    health: { enabled: false }
    drill: { enabled: false }
    schedule: 1000d
    pitr: { enabled: true, archive-timeout: $ARCHIVE_TIMEOUT }
YAML
} > "$WORK/lifeboat.yml"
HTTP_PORT=$(free_port)
PORT=$HTTP_PORT java -Xmx128m -XX:+UseSerialGC -jar target/quarkus-app/quarkus-run.jar agent --config "$WORK/lifeboat.yml" > "$WORK/agent.log" 2>&1 &
AGENT=$!
BENCH_PIDS+=($AGENT)
STATUS="http://127.0.0.1:$HTTP_PORT/api/v1/status"
for _ in $(seq 600); do
  curl -fs "$STATUS" 2>/dev/null | grep -q '"archivedLsn"' && break
  sleep 0.2
done
curl -fs "$STATUS" | grep -q '"archivedLsn"' || { echo "bench: the agent did not start archiving" >&2; tail -20 "$WORK/agent.log" >&2; exit 1; }
echo "bench: archive-timeout $ARCHIVE_TIMEOUT, pgbench -c $CLIENTS for ${SECONDS_RUN}s, agent pid $AGENT"
python3 - "$URL" "$STATUS" "$AGENT" "$SECONDS_RUN" "$CLIENTS" "$ARCHIVE_TIMEOUT" <<'PY'
import json, re, subprocess, sys, threading, time, urllib.request
url, status, pid, seconds, clients, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
def lsn(s):
    hi, lo = s.split("/"); return (int(hi, 16) << 32) | int(lo, 16)
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0
polls, probes, done = [], [], threading.Event()
def poll():
    while not done.is_set():
        try:
            doc = json.load(urllib.request.urlopen(status, timeout=2))
            a = doc["databases"]["bench"]["walArchive"].get("archivedLsn")
            if a: polls.append((time.time(), lsn(a)))
        except Exception:
            pass
        time.sleep(0.1)
def probe():
    while not done.is_set():
        out = subprocess.run(["psql", "-tA", url, "-c", "INSERT INTO probe DEFAULT VALUES", "-c", "SELECT pg_current_wal_insert_lsn()"],
                             capture_output=True, text=True).stdout.split()
        probes.append((time.time(), lsn(out[-1])))
        time.sleep(0.25)
c0 = cpu()
threads = [threading.Thread(target=poll), threading.Thread(target=probe)]
for t in threads: t.start()
bench = subprocess.run(["pgbench", "-n", "-c", clients, "-T", str(seconds), url], capture_output=True, text=True).stdout
stop_at = time.time()
time.sleep(3 * float(re.sub("[^0-9.]", "", timeout)) + 2)
done.set()
for t in threads: t.join()
c1 = cpu()
hwm = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")][0].split()[1]
lags = []
for t, l in probes:
    if t > stop_at: continue
    hit = next((pt for pt, pl in polls if pl >= l and pt >= t), None)
    if hit is not None: lags.append(hit - t)
lags.sort()
tps = re.search(r"tps = ([0-9.]+)", bench)
def pct(p): return lags[min(len(lags) - 1, int(p * len(lags)))]
print(f"pgbench: {tps.group(1) if tps else '?'} tps with the agent archiving")
print(f"commit -> archived lag over {len(lags)} probes: p50 {pct(0.5):.2f} s, p99 {pct(0.99):.2f} s, max {lags[-1]:.2f} s"
      f" (target p99 <= 2 x {timeout})")
print(f"agent CPU {c1 - c0:.1f} s over {time.time() - stop_at + seconds:.0f} s, peak RSS {int(hwm) // 1024} MiB")
PY
echo "bench: objects in the bucket: $(find "$WORK/s3/bench" -type f -path '*pitr/wal*' | wc -l)"
