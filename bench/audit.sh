#!/usr/bin/env bash
# Cost of the replica audit (issue 19): requests and wall time per audit round over 50 SQLite replicas and 10
# PostgreSQL databases on one S3Proxy, and the audit's CPU as a share of a core at the default 5-minute interval.
# Targets: <= 3 requests per database per round in the steady state, no growth with WAL segments beyond listing pages,
# CPU not measurable against idle. Not a test: nothing is asserted.
# Usage: bench/audit.sh [SQLITE_DBS, default 50] [PG_DBS, default 10] [MANY_SEGMENTS, default 300] [ROUNDS, default 5]
# Run it under `flock /tmp/lifeboat-bench.lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
./mvnw -B -q -ntp test-compile   # always: stale classes would measure old code
CP=$(./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
java -Dlifeboat.test.tools=target/test-tools -cp "target/classes:target/test-classes:$CP" dev.lifeboat.sqlite.AuditBench "$@" 2>&1 \
  | grep -vE '^(WARNING|ERROR):|^[A-Z][a-z]{2} [0-9]+, [0-9]{4}|LogManager|^$|^INFO:'
