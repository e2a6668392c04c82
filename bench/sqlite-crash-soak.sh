#!/usr/bin/env bash
# Longer soak of the SQLite crash-consistency test: a writer commits numbered transactions without pause while the
# replicating process is SIGKILLed at random moments and restarted; after every kill a restore must pass
# integrity_check and hold exactly a committed prefix of the writer's rows. The suite runs 50 cycles; this runs
# RUNS x CYCLES, each run with a new seed (printed, with the directory of agent logs a failed run keeps).
# Not a benchmark of speed: it prints how many cycles passed and stops at the first failure (exit 1).
# Usage: bench/sqlite-crash-soak.sh [CYCLES per run, default 300] [RUNS, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
cycles=${1:-300}
runs=${2:-3}
mkdir -p target
for run in $(seq 1 "$runs"); do
  start=$(date +%s)
  if ! ./mvnw -B -q -ntp test -Dtest=CrashConsistencyTest -Dsurefire.failIfNoSpecifiedTests=false \
        -Dlifeboat.crash.cycles="$cycles" >"target/crash-soak-$run.log" 2>&1; then
    grep -E "crash.seed|FAIL|AssertionFailed|expected" "target/crash-soak-$run.log" | head -20
    echo "soak: run $run of $runs FAILED (full output: target/crash-soak-$run.log)"
    exit 1
  fi
  seed=$(grep -ho "crash.seed=[-0-9]*" "target/crash-soak-$run.log" | head -1 || true)
  echo "soak: run $run of $runs passed: $cycles SIGKILL cycles + graceful stop, $((($(date +%s) - start))) s ($seed)"
done
echo "soak: $((cycles * runs)) SIGKILL cycles, every restore intact and a committed prefix"
