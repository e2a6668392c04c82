#!/usr/bin/env bash
# Benchmark of a PostgreSQL restore drill (`lifeboat drill DB`) on a database of SIZE_MB (default 300), one run,
# one S3Proxy, one PostgreSQL 15:
#   1. baseline   the stored backup object, already on local disk: zstd -d | pg_restore --single-transaction into a
#                 fresh database, then dropdb (the speed limit of restoring this backup by hand)
#   2. lifeboat   lifeboat drill DB: list manifests, download from S3 -> SHA-256 -> pure-Java zstd -> pg_restore into
#                 a scratch database, table/row-count checks (count(*) of every table), one user check, drop (+ JVM start)
# Prints wall time, peak RSS, the drill's own restoreMillis (RTO) and the ratios. Not a test: nothing is asserted.
# Needs: postgresql-15 (server + client), zstd, GNU time, a built tree (./mvnw package).
# Usage: bench/drill.sh [SIZE_MB]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. bin/jdk.sh
SIZE_MB=${1:-300}
PGBIN=/usr/lib/postgresql/15/bin
for tool in "$PGBIN/initdb" pg_restore zstd /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
[ -f target/test-tools/s3proxy.jar ] || ./mvnw -B -q -ntp process-test-resources

WORK=$(mktemp -d /tmp/lifeboat-bench-XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  [ -d "$WORK/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PGPORT=$(free_port)
chown postgres "$WORK"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" \
  -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c max_wal_size=4GB" start >/dev/null
ADMIN="postgres://postgres@127.0.0.1:$PGPORT/postgres"
URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
psql -q "$ADMIN" -c "CREATE DATABASE bench"
ROWS=$((SIZE_MB * 4200))
echo "bench: generating ~${SIZE_MB} MB ($ROWS rows of app-like data)..."
psql -q -v ON_ERROR_STOP=1 "$URL" <<SQL
CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, user_id int, kind text, payload jsonb, note text);
INSERT INTO events
SELECT g, timestamptz '2026-01-01' + g * interval '1 second', (g::bigint * 7919 % 100000)::int,
       (ARRAY['signup','login','purchase','refund','logout'])[1 + g % 5],
       jsonb_build_object('ip', '10.' || (g % 255) || '.' || (g % 17) || '.1', 'amount', (g % 1000) / 10.0,
                          'items', jsonb_build_array(g % 13, g % 7), 'agent', 'Mozilla/5.0 (X11; Linux x86_64)'),
       md5(g::text) || ' ' || md5((g::bigint * 31)::text)
FROM generate_series(1, $ROWS) g;
CREATE INDEX ON events (user_id);
ANALYZE;
SQL
psql -tA "$URL" -c "SELECT 'bench: table size ' || pg_size_pretty(pg_total_relation_size('events'))"

S3PORT=$(free_port)
mkdir -p "$WORK/s3/bench"
cat > "$WORK/s3.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$S3PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench-access
s3proxy.credential=bench-secret-key-0123456789
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/s3
jclouds.identity=bench-access
jclouds.credential=bench-secret-key-0123456789
PROPS
java -Xmx256m -jar target/test-tools/s3proxy.jar --properties "$WORK/s3.properties" > "$WORK/s3proxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$S3PORT) 2>/dev/null && break; sleep 0.2; done

cat > "$WORK/lifeboat.yml" <<YAML
destinations:
  s3:
    url: s3://bench/lifeboat
    endpoint: http://127.0.0.1:$S3PORT
    path-style: true
    access-key-id: bench-access
    secret-access-key: bench-secret-key-0123456789
databases:
  bench:
    type: postgres
    url: "$URL"
    destination: s3
    compression: zstd
    drill:
      timeout: 1h
      checks:
        has-events: { query: "select count(*) from events", expect: ">= 1" }
YAML
LIFEBOAT=(java -XX:+UseSerialGC -Xmx128m -jar target/quarkus-app/quarkus-run.jar)
"${LIFEBOAT[@]}" backup --config "$WORK/lifeboat.yml" bench | grep '^backup' || true
OBJECT=$(find "$WORK/s3/bench" -name '*.pgdump.zst' | head -1)
echo "bench: stored object $(du -h "$OBJECT" | cut -f1) ($OBJECT)"

measure() { # name command... -> prints "name seconds peak-rss-MiB"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.$name" "$@" > "$WORK/out.$name" 2>&1 || { cat "$WORK/out.$name" >&2; exit 1; }
  read -r secs kb < "$WORK/time.$name"
  printf '%-9s %8.1f s   peak RSS %6.0f MiB\n' "$name" "$secs" "$((kb / 1024))"
  echo "$secs" > "$WORK/secs.$name"
}
cat "$OBJECT" > /dev/null # warm the page cache for both
measure baseline bash -c "psql -q '$ADMIN' -c 'CREATE DATABASE byhand TEMPLATE template0' && zstd -d -q < '$OBJECT' | pg_restore --single-transaction --exit-on-error --no-owner -d 'postgres://postgres@127.0.0.1:$PGPORT/byhand' && psql -q '$ADMIN' -c 'DROP DATABASE byhand'"
measure lifeboat "${LIFEBOAT[@]}" drill --json --config "$WORK/lifeboat.yml" bench
python3 - "$WORK/out.lifeboat" "$(cat "$WORK/secs.baseline")" "$(cat "$WORK/secs.lifeboat")" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
record = json.loads(text[text.index('{'):])
b, l = float(sys.argv[2]), float(sys.argv[3])
restore = record["restoreMillis"] / 1000
print(f"drill outcome {record['outcome']}, restore (RTO) {restore:.1f} s, whole drill {record['durationMillis'] / 1000:.1f} s")
print(f"drill restore / baseline:          {restore / b:.2f}x")
print(f"whole lifeboat drill / baseline:   {l / b:.2f}x  (JVM start, listing, row counts and drop included)")
PY
