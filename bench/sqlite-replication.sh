#!/usr/bin/env bash
# SQLite replication side by side with litestream 0.3.13, same workload, same S3Proxy, one run: writer tx/s with no
# agent / litestream / Lifeboat (packaged app), commit -> new WAL object lag p50/p99, agent CPU seconds and peak RSS,
# objects written per idle hour, and restore time of a RESTORE_MB database by both tools.
# Targets: lag p99 <= litestream's and <= 1.5 s; writer tx/s >= 95% of no agent; restore no slower than litestream.
# Not a test: nothing is asserted. Needs the litestream binary (LIFEBOAT_LITESTREAM, or npm to install it).
# Usage: bench/sqlite-replication.sh [SECONDS per run, default 10] [RESTORE_MB, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
./mvnw -B -q test-compile
CP=$(./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
java -Dlifeboat.test.tools=target/test-tools -cp "target/classes:target/test-classes:$CP" dev.lifeboat.sqlite.ReplicationBench "${1:-10}" "${2:-200}" 2>&1 \
  | grep -vE '^(INFO|WARNING|ERROR):|^[A-Z][a-z]{2} [0-9]+, [0-9]{4}|LogManager'
