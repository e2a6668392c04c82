#!/usr/bin/env bash
# Benchmark of `lifeboat backup` on a PostgreSQL database of SIZE_GB (default 1), in one run against one S3Proxy:
#   1. baseline   pg_dump -Fc -Z0 | zstd -3 > /dev/null                       (the speed limit of a zstd dump)
#   2. lifeboat   bin/lifeboat backup DB   (pg_dump -Fc -Z0 | zstd -> SHA-256 -> multipart upload, + JVM start)
#   3. seed       pg_dump | gzip > file && aws s3 cp file s3://...            (the by-hand way Lifeboat replaces)
# Prints wall time, peak RSS and ratios. Targets: lifeboat <= 1.10x the baseline's time, >= 3x faster than the seed,
# and the same peak RSS at 1 GB and 4 GB (run with 1, then 4). Not a test: nothing is asserted.
# Needs: postgresql-15 (server + client), zstd, GNU time, the AWS CLI (`aws`), a built tree (./mvnw package).
# Each is run REPEAT times (default 2) and the fastest kept: on a shared machine the slowest runs measure the neighbours.
# Usage: [REPEAT=N] bench/pg-backup.sh [SIZE_GB]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. bin/jdk.sh
SIZE_GB=${1:-1}
PGBIN=/usr/lib/postgresql/15/bin
for tool in "$PGBIN/initdb" pg_dump zstd gzip aws /usr/bin/time; do
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

# PostgreSQL 15, throwaway cluster.
PGPORT=$(free_port)
chown postgres "$WORK"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" \
  -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c max_wal_size=4GB" start >/dev/null
URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
psql -q "postgres://postgres@127.0.0.1:$PGPORT/postgres" -c "CREATE DATABASE bench"
ROWS=$((SIZE_GB * 4700000))
echo "bench: generating ~${SIZE_GB} GB ($ROWS rows of app-like data)..."
psql -q -v ON_ERROR_STOP=1 "$URL" <<SQL
CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, user_id int, kind text, payload jsonb, note text);
INSERT INTO events
SELECT g, timestamptz '2026-01-01' + g * interval '1 second', (g::bigint * 7919 % 100000)::int,
       (ARRAY['signup','login','purchase','refund','logout'])[1 + g % 5],
       jsonb_build_object('ip', '10.' || (g % 255) || '.' || (g % 17) || '.1', 'amount', (g % 1000) / 10.0,
                          'items', jsonb_build_array(g % 13, g % 7), 'agent', 'Mozilla/5.0 (X11; Linux x86_64)'),
       md5(g::text) || ' ' || md5((g::bigint * 31)::text)
FROM generate_series(1, $ROWS) g;
SQL
psql -tA "$URL" -c "SELECT 'bench: table size ' || pg_size_pretty(pg_total_relation_size('events'))"

# S3Proxy, filesystem-backed.
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
  bench: { type: postgres, url: "$URL", destination: s3, compression: zstd }
YAML
export AWS_ACCESS_KEY_ID=bench-access AWS_SECRET_ACCESS_KEY=bench-secret-key-0123456789 AWS_DEFAULT_REGION=us-east-1
printf '[default]\ns3 =\n  addressing_style = path\n' > "$WORK/aws.config"
export AWS_CONFIG_FILE="$WORK/aws.config"

REPEAT=${REPEAT:-2}
measure() { # name command... -> runs it REPEAT times, keeps the fastest: "name seconds peak-rss-MiB"
  local name=$1; shift
  local best="" kb secs
  for _ in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time.$name" "$@" > "$WORK/out.$name" 2>&1 || { cat "$WORK/out.$name" >&2; exit 1; }
    read -r secs kb < "$WORK/time.$name"
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $secs < $best else 1)"; then
      best=$secs; cp "$WORK/out.$name" "$WORK/best.$name"
    fi
    echo "$kb" >> "$WORK/rss.$name"
  done
  printf '%-9s %8.1f s   peak RSS %6.0f MiB   (fastest of %s)\n' "$name" "$best" "$(( $(sort -n "$WORK/rss.$name" | tail -1) / 1024 ))" "$REPEAT"
  echo "$best" > "$WORK/secs.$name"
}
echo "bench: dump size $(pg_dump -Fc -Z0 "$URL" | wc -c | numfmt --to=iec) (pg_dump -Fc -Z0; this run also warms the cache)"
# bin/lifeboat is the README's launcher (JVM mode): its first run after a build trains the JDK's AOT cache; do that now.
bin/lifeboat --version > /dev/null
measure baseline bash -c "pg_dump -Fc -Z0 '$URL' | zstd -3 -q -T1 > /dev/null"
measure lifeboat bin/lifeboat backup --config "$WORK/lifeboat.yml" bench
grep '^backup' "$WORK/best.lifeboat" | sed 's/, sha256 [0-9a-f]*//' || true
measure seed bash -c "pg_dump '$URL' | gzip > '$WORK/backup.sql.gz' && aws s3 cp --quiet '$WORK/backup.sql.gz' s3://bench/seed/backup.sql.gz --endpoint-url http://127.0.0.1:$S3PORT"
b=$(cat "$WORK/secs.baseline"); l=$(cat "$WORK/secs.lifeboat"); s=$(cat "$WORK/secs.seed")
# The backup's own duration (its manifest: pg_dump start to upload complete), as a scheduled run in the agent pays it.
a=$(sed -n 's/^backup .* in \([0-9.]*\)s$/\1/p' "$WORK/best.lifeboat")
python3 - "$b" "$l" "$s" "$a" <<'PY'
import sys
b, l, s, a = map(float, sys.argv[1:])
print(f"lifeboat command / baseline time: {l / b:.2f}x   (includes JVM start-up; target <= 1.10x)")
print(f"backup in agent  / baseline time: {a / b:.2f}x")
print(f"seed / lifeboat command time:     {s / l:.2f}x   (target >= 3x)")
print(f"seed / backup in agent time:      {s / a:.2f}x")
PY
uptime
