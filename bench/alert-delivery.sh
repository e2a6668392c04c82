#!/usr/bin/env bash
# Durable alert delivery (outbox fsync + rename, HMAC, send, delete) against a bare HTTP POST to the same local
# WireMock receiver in the same run, and the cost of one evaluation. Usage: bench/alert-delivery.sh [notifications] [conditions]
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
./mvnw -B -q test-compile
CP=$(./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "target/classes:target/test-classes:$CP" dev.lifeboat.alert.AlertDeliveryBench "${1:-300}" "${2:-2000}" 2>&1 | grep -vE '^(INFO|WARNING):|^[A-Z][a-z]{2} [0-9]+, [0-9]{4}'
