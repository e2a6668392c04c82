#!/usr/bin/env bash
# Throughput of Lifeboat's stream stages (zstd/gzip/none, age, SHA-256) on a real pg_dump -Fc -Z0 output, with the
# zstd CLI measured in the same run as the baseline. Usage: bench/stream-stages.sh [postgres-url] [size-MB]
# Without a URL, a throwaway database is not created: pass any URL you can pg_dump (e.g. a local test cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
URL=${1:?usage: bench/stream-stages.sh postgres://user@host:port/db}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pg_dump -Fc -Z0 "$URL" > "$TMP/dump"
echo "input: $(du -h "$TMP/dump" | cut -f1) of pg_dump -Fc -Z0"
./mvnw -B -q test-compile
CP=$(./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
java -Xmx4g -cp "target/classes:target/test-classes:$CP" dev.lifeboat.stream.StreamStagesBench "$TMP/dump"
