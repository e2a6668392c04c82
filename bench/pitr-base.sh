#!/usr/bin/env bash
# Benchmark of PITR base backups and restores on a PostgreSQL cluster of SIZE_GB (default 1), in one run:
#   1. baseline   pg_basebackup -Ft -X none -D - | zstd -3 > /dev/null          (the speed limit of a streamed base backup)
#   2. lifeboat   bin/lifeboat backup bench --base  (pg_basebackup -> tar watch -> zstd -> SHA-256 -> file: destination)
#   3. pgbackrest pgbackrest backup --type=full, zst level 3, into a local repository (for reference)
#   and restore-to-latest of the same data into a new data directory, until the server has recovered and promoted:
#   4. lifeboat   bin/lifeboat restore bench --pitr --to-dir D --latest --start --port P  (WAL through lifeboat wal-fetch)
#   5. pgbackrest pgbackrest restore --pg1-path=D (+ pg_ctl start, waiting for promotion; WAL through archive-get)
# The WAL both need is archived by both: the server's archive_command pushes to pgBackRest's repository, a Lifeboat
# agent streams it over its replication slot. Targets: lifeboat backup <= 1.15x the baseline, restore no slower than
# pgBackRest. Not a test: nothing is asserted. Needs postgresql-15, zstd, pgbackrest, GNU time, a built tree.
# Usage: [REPEAT=N] flock /tmp/lifeboat-bench.lock bench/pitr-base.sh [SIZE_GB]
REPEAT=${REPEAT:-1}
. "$(dirname "$0")/lib.sh"
SIZE_GB=${1:-1}
bench_init zstd pgbackrest "$PGBIN/pg_basebackup"
chmod 755 "$WORK"
chown postgres "$WORK"
mkdir -p "$WORK/pgbr" "$WORK/local-destination" && chown postgres "$WORK/pgbr"
PGPORT=$(free_port)
cat > "$WORK/pgbackrest.conf" <<CONF
[global]
repo1-path=$WORK/pgbr
lock-path=$WORK/pgbr-lock
log-path=$WORK/pgbr-log
compress-type=zst
compress-level=3
process-max=1
start-fast=y
log-level-console=warn
[bench]
pg1-path=$WORK/pg
pg1-socket-path=$WORK
pg1-port=$PGPORT
CONF
chmod 644 "$WORK/pgbackrest.conf"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 \
  -c fsync=off -c max_wal_size=4GB -c archive_mode=on -c archive_command='pgbackrest --config=$WORK/pgbackrest.conf --stanza=bench archive-push %p'" \
  start >/dev/null
ADMIN="postgres://postgres@127.0.0.1:$PGPORT/postgres"
PGBR=(runuser -u postgres -- pgbackrest --config="$WORK/pgbackrest.conf" --stanza=bench)
"${PGBR[@]}" stanza-create
URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
bench_events "$URL" $((SIZE_GB * 4700000))

cat > "$WORK/lifeboat.yml" <<YAML
destinations:
  local:
    url: file://$WORK/local-destination
databases:
  bench:
    type: postgres
    url: "$URL"
    destination: local
    compression: zstd
    schedule: "0 0 1 1 *"
    pitr: { enabled: true, archive-timeout: 1s, base-backup-schedule: "0 0 1 1 *" }
    drill: { enabled: false }
YAML
chmod -R a+rX "$WORK/lifeboat.yml"
bin/lifeboat --version > /dev/null
# The agent archives WAL (its replication slot) while the base backups run.
AGENT_PORT=$(free_port)
PORT=$AGENT_PORT bin/lifeboat agent --config "$WORK/lifeboat.yml" > "$WORK/agent.log" 2>&1 &
BENCH_PIDS+=($!)
sleep 5

echo "bench: cluster size $(psql -tA "$ADMIN" -c "SELECT pg_size_pretty(sum(pg_database_size(oid))) FROM pg_database")"
measure baseline bash -c "'$PGBIN/pg_basebackup' -d '$URL' -Ft -X none -D - --checkpoint=fast 2>/dev/null | zstd -3 -q -T1 > /dev/null"
measure lifeboat bin/lifeboat backup --config "$WORK/lifeboat.yml" bench --base
grep '^base backup' "$WORK/best.lifeboat" || true
measure pgbackrest "${PGBR[@]}" backup --type=full
# Both archives must hold the WAL up to now before restoring to the latest point.
psql -q "$ADMIN" -c "CHECKPOINT" -c "SELECT pg_switch_wal()" > /dev/null
sleep 8

restore_lifeboat() {
  rm -rf "$WORK/r-lb"; mkdir "$WORK/r-lb"
  bin/lifeboat restore --config "$WORK/lifeboat.yml" bench --pitr --to-dir "$WORK/r-lb" --latest \
    --lifeboat-command "$ROOT/bin/lifeboat" --start --port "$(free_port)"
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/r-lb" -m immediate -w stop > /dev/null
}
restore_pgbackrest() {
  rm -rf "$WORK/r-br"; mkdir "$WORK/r-br"; chown postgres "$WORK/r-br"; chmod 700 "$WORK/r-br"
  "${PGBR[@]}" restore --pg1-path="$WORK/r-br" --type=default
  local port; port=$(free_port)
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/r-br" -w -t 3600 -l "$WORK/r-br.log" \
    -o "-p $port -k $WORK -c archive_mode=off" start > /dev/null
  until [ "$(psql -tA "postgres://postgres@127.0.0.1:$port/postgres" -c 'SELECT pg_is_in_recovery()')" = f ]; do sleep 0.2; done
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/r-br" -m immediate -w stop > /dev/null
}
export -f restore_lifeboat restore_pgbackrest free_port
export WORK ROOT PGBIN PGBR_CONF="$WORK/pgbackrest.conf" PGPORT
PGBR_STR="${PGBR[*]}"
measure restore-lb bash -c "$(declare -f restore_lifeboat free_port); WORK='$WORK' ROOT='$ROOT' PGBIN='$PGBIN' restore_lifeboat"
grep -E '^(restored|server started)' "$WORK/best.restore-lb" || true
measure restore-br bash -c "$(declare -f restore_pgbackrest free_port); WORK='$WORK' PGBIN='$PGBIN'; PGBR=($PGBR_STR); restore_pgbackrest"
b=$(cat "$WORK/secs.baseline"); l=$(cat "$WORK/secs.lifeboat"); p=$(cat "$WORK/secs.pgbackrest")
rl=$(cat "$WORK/secs.restore-lb"); rb=$(cat "$WORK/secs.restore-br")
python3 - "$b" "$l" "$p" "$rl" "$rb" <<'PY'
import sys
b, l, p, rl, rb = map(float, sys.argv[1:])
print(f"lifeboat base backup / baseline time:   {l / b:.2f}x   (includes JVM start-up; target <= 1.15x)")
print(f"pgbackrest full backup / baseline time: {p / b:.2f}x")
print(f"lifeboat restore / pgbackrest restore:  {rl / rb:.2f}x   (to latest, until promoted; target <= 1.00x)")
PY
uptime
