#!/usr/bin/env bash
# Benchmark of `lifeboat backup` on a PostgreSQL database of SIZE_GB (default 1), in one run against one S3Proxy:
#   1. baseline   pg_dump -Fc -Z0 | zstd -3 > /dev/null                       (the speed limit of a zstd dump)
#   2. lifeboat   bin/lifeboat backup DB   (pg_dump -Fc -Z0 | zstd -> SHA-256 -> multipart upload, + JVM start)
#   3. seed       pg_dump | gzip > file && aws s3 cp file s3://...            (the by-hand way Lifeboat replaces)
#   and, for reference, bin/lifeboat backup into a file: destination (Lifeboat without S3Proxy's own costs)
# Prints wall time, peak RSS and ratios. Targets: lifeboat <= 1.10x the baseline's time, >= 3x faster than the seed,
# and the same peak RSS at 1 GB and 4 GB (run with 1, then 4). Not a test: nothing is asserted.
# Needs: postgresql-15 (server + client), zstd, GNU time, the AWS CLI (`aws`), a built tree (./mvnw package).
# Each is run REPEAT times (default 2) and the fastest kept: on a shared machine the slowest runs measure the neighbours.
# Usage: [REPEAT=N] bench/pg-backup.sh [SIZE_GB]
REPEAT=${REPEAT:-2}
. "$(dirname "$0")/lib.sh"
SIZE_GB=${1:-1}
bench_init pg_dump zstd gzip aws
bench_postgres
URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
bench_events "$URL" $((SIZE_GB * 4700000))
bench_s3proxy
{ bench_destination_yaml; cat <<YAML
  local:
    url: file://$WORK/local-destination
databases:
  bench: { type: postgres, url: "$URL", destination: s3, compression: zstd }
  bench-local: { type: postgres, url: "$URL", destination: local, compression: zstd }
YAML
} > "$WORK/lifeboat.yml"
export AWS_ACCESS_KEY_ID=bench-access AWS_SECRET_ACCESS_KEY=bench-secret-key-0123456789 AWS_DEFAULT_REGION=us-east-1
printf '[default]\ns3 =\n  addressing_style = path\n' > "$WORK/aws.config"
export AWS_CONFIG_FILE="$WORK/aws.config"

echo "bench: dump size $(pg_dump -Fc -Z0 "$URL" | wc -c | numfmt --to=iec) (pg_dump -Fc -Z0; this run also warms the cache)"
# bin/lifeboat is the README's launcher (JVM mode): its first run after a build trains the JDK's AOT cache; do that now.
bin/lifeboat --version > /dev/null
measure baseline bash -c "pg_dump -Fc -Z0 '$URL' | zstd -3 -q -T1 > /dev/null"
measure lifeboat bin/lifeboat backup --config "$WORK/lifeboat.yml" bench
grep '^backup' "$WORK/best.lifeboat" | sed 's/, sha256 [0-9a-f]*//' || true
# The same backup into a file: destination: Lifeboat's own cost, without S3Proxy's (it writes every part to this
# disk, then reads and writes the whole object again to complete the upload, on the same two cores).
measure to-file bin/lifeboat backup --config "$WORK/lifeboat.yml" bench-local
grep '^backup' "$WORK/best.to-file" | sed 's/, sha256 [0-9a-f]*//' || true
measure seed bash -c "pg_dump '$URL' | gzip > '$WORK/backup.sql.gz' && aws s3 cp --quiet '$WORK/backup.sql.gz' s3://bench/seed/backup.sql.gz --endpoint-url http://127.0.0.1:$S3PORT"
b=$(cat "$WORK/secs.baseline"); l=$(cat "$WORK/secs.lifeboat"); s=$(cat "$WORK/secs.seed"); f=$(cat "$WORK/secs.to-file")
# The backup's own duration (its manifest: pg_dump start to upload complete), as a scheduled run in the agent pays it.
a=$(sed -n 's/^backup .* in \([0-9.]*\)s$/\1/p' "$WORK/best.lifeboat")
python3 - "$b" "$l" "$s" "$a" "$f" <<'PY'
import sys
b, l, s, a, f = map(float, sys.argv[1:])
print(f"lifeboat command / baseline time: {l / b:.2f}x   (includes JVM start-up; target <= 1.10x)")
print(f"backup in agent  / baseline time: {a / b:.2f}x")
print(f"command to file: / baseline time: {f / b:.2f}x   (no S3Proxy)")
print(f"seed / lifeboat command time:     {s / l:.2f}x   (target >= 3x)")
print(f"seed / backup in agent time:      {s / a:.2f}x")
PY
uptime
