#!/usr/bin/env bash
# SQLite replication side by side with litestream 0.3.13, same workload, same S3Proxy, one run: writer tx/s with no
# agent / litestream / Lifeboat (packaged app), commit -> new WAL object lag p50/p99, agent CPU seconds and peak RSS,
# objects written per idle hour, and restore time of a RESTORE_MB database by both tools.
# Targets: lag p99 <= litestream's and <= 1.5 s; writer tx/s >= 95% of no agent; restore no slower than litestream.
# Not a test: nothing is asserted. Needs the litestream binary (LIFEBOAT_LITESTREAM, or npm to install it).
#
# Fairness (all three runs alike): the same writer (synchronous=NORMAL, single-row autocommit inserts) and the same
# lag-marker writer (also synchronous=NORMAL, one insert every 100 ms) run in every run, the no-agent one included;
# tx/s is counted over the writer's own running time (the lag poller runs on for 5 s after it). Rounds interleave
# none / litestream / Lifeboat, each round in another order, so that load from elsewhere on the shared machine hits
# all three alike; every run's files are deleted and the disk synced before the next run (runs write gigabytes, and
# their write-back used to slow whichever run came next); the ratio reported is the median over rounds. The restore
# comparison alternates the tools over 3 rounds, each after a sync, and reports the median. A first no-agent run
# warms the writer (it runs in the bench JVM) and is not counted. Per run it also prints the writer's CPU per
# transaction and how much of the time it was on a CPU (the rest it waited: busy handler, fsync, a CPU taken by
# someone else), the time it spent in transactions slower than 1 ms, S3Proxy's CPU and the machine's idle share.
#
# Usage: bench/sqlite-replication.sh [SECONDS per run, default 10] [RESTORE_MB, default 200; 0 skips the restore]
# Environment: BENCH_ROUNDS (default 3; 0 runs only the restore comparison), BENCH_IDLE_SECONDS (default 60, idle objects are watched in round 1 only),
# BENCH_AGENT_JAVA_OPTS (Lifeboat agent JVM flags, default the product's: src/main/jvm/jvm.options), BENCH_AGENT_MALLOC_ARENA_MAX (default 2),
# BENCH_AGENTS (the runs of a round, default none,litestream,lifeboat; none is required), BENCH_KEEP_LOGS (a directory
# that keeps each run's agent log). The writer thread is named bench-writer, for perf (perf record --tid, sched_switch).
# Lifeboat's destination uses 5 MiB parts, as litestream's S3 uploader does (3 part buffers fit the heap).
# Run it under `flock /tmp/lifeboat-bench.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
./mvnw -B -q -ntp package -DskipTests   # always: a stale target/quarkus-app would measure old code
CP=$(./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
java -Dlifeboat.test.tools=target/test-tools -cp "target/classes:target/test-classes:$CP" dev.lifeboat.sqlite.ReplicationBench "${1:-10}" "${2:-200}" 2>&1 \
  | grep -vE '^(INFO|WARNING|ERROR):|^[A-Z][a-z]{2} [0-9]+, [0-9]{4}|LogManager|^$'
