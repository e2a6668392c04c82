#!/usr/bin/env bash
# Restore of a large SQLite database (default 1000 MB) by litestream 0.3.13 and by Lifeboat from the same replica in the
# same S3Proxy, plus where Lifeboat's time goes (GET, LZ4 decode, xxHash32, file write, fsync, integrity_check).
# Target (issue 4): Lifeboat no slower than litestream. Rounds interleave all steps; fastest and median are printed.
# Not a test: nothing is asserted. Needs the litestream binary (LIFEBOAT_LITESTREAM, or npm to install it).
# Usage: bench/sqlite-restore.sh [MB, default 1000] [ROUNDS, default 3]; BENCH_RESTORE_ONLY=1 skips the per-step parts.
# Run it under `flock /tmp/lifeboat-bench.lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
./mvnw -B -q -ntp test-compile   # always: stale classes would measure old code
CP=$(./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
java -Dlifeboat.test.tools=target/test-tools -cp "target/classes:target/test-classes:$CP" dev.lifeboat.sqlite.RestoreBench "${1:-1000}" "${2:-3}" 2>&1 \
  | grep -vE '^(WARNING|ERROR):|^[A-Z][a-z]{2} [0-9]+, [0-9]{4}|LogManager|^$' | grep -vP '^INFO: (?!restored )'   # keeps the restorer's phase times
