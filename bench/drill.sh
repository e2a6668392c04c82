#!/usr/bin/env bash
# Benchmark of a PostgreSQL restore drill (`lifeboat drill DB`) on a database of SIZE_MB (default 300), one run,
# one S3Proxy, one PostgreSQL 15:
#   1. baseline   the stored backup object, already on local disk: zstd -d | pg_restore --single-transaction into a
#                 fresh database, then dropdb (the speed limit of restoring this backup by hand)
#   2. lifeboat   bin/lifeboat drill DB: list manifests, download from S3 -> SHA-256 -> zstd -d | pg_restore into
#                 a scratch database, table/row-count checks (count(*) of every table), one user check, drop (+ JVM start)
# Prints wall time, peak RSS, the drill's own restoreMillis (RTO) and the ratios. Not a test: nothing is asserted.
# Needs: postgresql-15 (server + client), zstd, GNU time, a built tree (./mvnw package).
# Usage: bench/drill.sh [SIZE_MB]
. "$(dirname "$0")/lib.sh"
SIZE_MB=${1:-300}
bench_init pg_restore zstd
bench_postgres
URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
bench_events "$URL" $((SIZE_MB * 4200)) "CREATE INDEX ON events (user_id); ANALYZE;"
bench_s3proxy
{ bench_destination_yaml; cat <<YAML
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
} > "$WORK/lifeboat.yml"
LIFEBOAT=(bin/lifeboat)
"${LIFEBOAT[@]}" --version > /dev/null # the first run after a build trains the AOT cache
"${LIFEBOAT[@]}" backup --config "$WORK/lifeboat.yml" bench | grep '^backup' || true
OBJECT=$(find "$WORK/s3/bench" -name '*.pgdump.zst' | head -1)
echo "bench: stored object $(du -h "$OBJECT" | cut -f1) ($OBJECT)"

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
