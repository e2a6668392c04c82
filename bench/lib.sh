# Shared set-up of the PostgreSQL benchmarks, sourced by bench/pg-backup.sh and bench/drill.sh: a throwaway
# PostgreSQL 15 cluster and a filesystem-backed S3Proxy in one work directory, removed on exit, and a fastest-of-N
# timer. After bench_init: ROOT, WORK, PGBIN. After bench_postgres: PGPORT, ADMIN. After bench_s3proxy: S3PORT.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. bin/jdk.sh
PGBIN=/usr/lib/postgresql/15/bin

bench_init() { # tools the benchmark needs...
  for tool in "$PGBIN/initdb" /usr/bin/time "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
  done
  [ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
  [ -f target/test-tools/s3proxy.jar ] || ./mvnw -B -q -ntp process-test-resources
  WORK=$(mktemp -d /tmp/lifeboat-bench-XXXXXX)
  chmod 755 "$WORK"
  BENCH_PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  [ -d "$WORK/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bench_postgres() { # starts the cluster (fsync off: the benchmarks measure the tools, not this disk)
  PGPORT=$(free_port)
  chown postgres "$WORK"
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" \
    -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c max_wal_size=4GB" start >/dev/null
  ADMIN="postgres://postgres@127.0.0.1:$PGPORT/postgres"
}

bench_events() { # URL ROWS [more SQL]: creates database and table "events" with ROWS rows of app-like data
  local url=$1 rows=$2 more=${3:-}
  psql -q "$ADMIN" -c "CREATE DATABASE ${url##*/}"
  echo "bench: generating $rows rows of app-like data..."
  psql -q -v ON_ERROR_STOP=1 "$url" <<SQL
CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, user_id int, kind text, payload jsonb, note text);
INSERT INTO events
SELECT g, timestamptz '2026-01-01' + g * interval '1 second', (g::bigint * 7919 % 100000)::int,
       (ARRAY['signup','login','purchase','refund','logout'])[1 + g % 5],
       jsonb_build_object('ip', '10.' || (g % 255) || '.' || (g % 17) || '.1', 'amount', (g % 1000) / 10.0,
                          'items', jsonb_build_array(g % 13, g % 7), 'agent', 'Mozilla/5.0 (X11; Linux x86_64)'),
       md5(g::text) || ' ' || md5((g::bigint * 31)::text)
FROM generate_series(1, $rows) g;
$more
SQL
  psql -tA "$url" -c "SELECT 'bench: table size ' || pg_size_pretty(pg_total_relation_size('events'))"
}

bench_s3proxy() { # starts S3Proxy with bucket "bench"; prints nothing
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
  BENCH_PIDS+=($!)
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$S3PORT) 2>/dev/null && break; sleep 0.2; done
}

bench_destination_yaml() { # the "s3" destination of a lifeboat.yml, pointing at bench_s3proxy's bucket
  cat <<YAML
destinations:
  s3:
    url: s3://bench/lifeboat
    endpoint: http://127.0.0.1:$S3PORT
    path-style: true
    access-key-id: bench-access
    secret-access-key: bench-secret-key-0123456789
YAML
}

REPEAT=${REPEAT:-1}
measure() { # name command... -> runs it REPEAT times, keeps the fastest: prints "name seconds peak-rss-MiB"
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
