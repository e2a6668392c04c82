#!/usr/bin/env bash
# Benchmark of `lifeboat volumes` (every volume check once) on two real mounts, a tmpfs and a loop-mounted ext4,
# in one run:
#   1. baseline   lifeboat check-config   (JVM start + configuration load + validation: the floor of any short command)
#   2. lifeboat   lifeboat volumes --json (the same + mountinfo, write/fsync/read/delete probe, statvfs, stat -f per volume)
# Prints the median wall time of RUNS runs of each, their ratio, and the probe's fsync latency per filesystem.
# Target: volumes <= 1.2x check-config (the checks themselves cost milliseconds). Not a test: nothing is asserted.
# Needs root (mount), e2fsprogs (mkfs.ext4), a built tree (./mvnw package).
# Usage: bench/volume-check.sh [RUNS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. bin/jdk.sh
RUNS=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root to mount" >&2; exit 1; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests

WORK=$(mktemp -d /tmp/lifeboat-vbench-XXXXXX)
cleanup() {
  umount "$WORK/tmpfs" 2>/dev/null || umount -l "$WORK/tmpfs" 2>/dev/null || true
  umount "$WORK/ext4" 2>/dev/null || umount -l "$WORK/ext4" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/tmpfs" "$WORK/ext4"
mount -t tmpfs -o size=64m tmpfs "$WORK/tmpfs"
truncate -s 64M "$WORK/ext4.img"
mkfs.ext4 -q -F "$WORK/ext4.img"
mount -o loop "$WORK/ext4.img" "$WORK/ext4"
cat > "$WORK/lifeboat.yml" <<YML
volumes:
  tmpfs: {path: $WORK/tmpfs}
  ext4: {path: $WORK/ext4, fs-type: ext4}
YML

run() { java -jar target/quarkus-app/quarkus-run.jar "$@" --config "$WORK/lifeboat.yml" >"$WORK/out.json" 2>"$WORK/err.txt"; }
median_ms() { # command...: median wall time of RUNS runs, in ms
  local times=()
  for _ in $(seq "$RUNS"); do
    local s=$(date +%s%N); "$@" || { cat "$WORK/err.txt" "$WORK/out.json" >&2; exit 1; }; local e=$(date +%s%N)
    times+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}
run check-config # warm the page cache
base=$(median_ms run check-config)
vol=$(median_ms run volumes --json)
echo "check-config (baseline)   median ${base} ms over $RUNS runs"
echo "volumes --json (2 mounts) median ${vol} ms over $RUNS runs"
awk -v a="$vol" -v b="$base" 'BEGIN { printf "ratio volumes/check-config: %.2fx\n", a / b }'
grep -E '"(volume|fsType|fsyncLatencyMs|healthy)"' "$WORK/out.json" | tr -d ' ,' | paste -sd' ' | sed 's/"volume"/\n"volume"/g'
echo
