#!/usr/bin/env bash
# Fault drill: every pooled connection is stuck, the next requests must get
# a prompt 503, and service must come back once the connections are free.
#
#   bench/drills/pool-exhaustion.sh
#   DRILL_SHORT=1 bench/drills/pool-exhaustion.sh      # ~30 s, for CI
#   DRILL_LOCK_SECS=30 bench/drills/pool-exhaustion.sh
#
# A private PostgreSQL in a temp dir and the example app on it with a tiny
# pool (max_connections 2, connect_timeout 2 s); load.py's clients read and
# write messages. DRILL_LOCK_AT seconds in, a psql session takes
#   LOCK TABLE message IN ACCESS EXCLUSIVE MODE
# in an open transaction (fed through a FIFO, so the release is exact) and
# holds it DRILL_LOCK_SECS seconds, then COMMITs. The app's queries on
# message block behind it, holding both pooled connections; every other
# request waits connect_timeout for a connection and must get 503.
# Expectations: only 200/201/503; every 503 within connect_timeout + 1.5 s;
# no hang beyond the <= max_connections requests stuck behind the lock, and
# those finish within 2 s of the release; a 200 within 2 s of the release.
# Environment: see lib.sh, plus DRILL_DURATION, DRILL_LOCK_AT,
# DRILL_LOCK_SECS, DRILL_MAX_CONNECTIONS (2), DRILL_HANG_LIMIT (10), DRILL_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -n "$DRILL_SHORT" ]; then dur=20 lock_at=4 lock_secs=6; else dur=50 lock_at=10 lock_secs=20; fi
dur=${DRILL_DURATION:-$dur}; lock_at=${DRILL_LOCK_AT:-$lock_at}; lock_secs=${DRILL_LOCK_SECS:-$lock_secs}
maxc=${DRILL_MAX_CONNECTIONS:-2}
CONNECT_TIMEOUT=2
hang=${DRILL_HANG_LIMIT:-10}

drill_init pool-exhaustion
MARKER="drill$(date +%s)x$$"
pg_init; pg_start
pg_sql postgres -c "CREATE DATABASE drill"
url="postgres://postgres@127.0.0.1:$PG_PORT/drill"
app_start "$url" "max_connections=$maxc, "
curl -sf -m 10 -o /dev/null -u huey:password123 -H 'Content-Type: application/json' \
  -d '{"content":"warm-up"}' "http://127.0.0.1:$APP_PORT/api/message/" || die "POST /api/message/ failed before the fault"

# how many sessions other than the app's hold a granted ACCESS EXCLUSIVE lock on message
locks() {
  pg_sql drill -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
    WHERE c.relname = 'message' AND l.mode = 'AccessExclusiveLock' AND l.granted"
}
locked() { [ "$(locks)" -ge 1 ]; }
unlocked() { [ "$(locks)" = 0 ]; }

log "load: $CLIENTS clients for ${dur}s on a pool of $maxc; lock at +${lock_at}s for ${lock_secs}s"
event load_start
load_start "$dur" --timeout 60
sleep "$lock_at"

# the lock holder: psql reading its statements from a FIFO
mkfifo "$WORK/lock.fifo"
pg_sql drill < "$WORK/lock.fifo" > "$WORK/lock.out" 2>&1 &
BG_PIDS+=("$!")
exec 7> "$WORK/lock.fifo"
event lock_begin
echo "BEGIN; LOCK TABLE message IN ACCESS EXCLUSIVE MODE;" >&7
poll_fast 30 locked || { cat "$WORK/lock.out" >&2; die "the lock was not granted within 30 s"; }
event lock_taken
sleep "$lock_secs"
pg_sql drill -F $'\t' -c "SELECT pid, state, wait_event_type, left(query, 60) FROM pg_stat_activity
  WHERE datname = 'drill' AND pid <> pg_backend_pid() ORDER BY pid" > "$WORK/activity.txt" || true
event lock_release
echo "COMMIT;" >&7
exec 7>&-
poll_fast 30 unlocked || die "the lock was not released within 30 s"
event lock_released
log "sessions while locked (pid, state, wait, query):"; sed 's/^/  /' "$WORK/activity.txt" >&2
load_wait $(( dur + 75 ))

pg_rows > "$ROWS" || die "reading the rows back failed"
analyze --drill pool --title "pool-exhaustion pg (max_connections $maxc, lock ${lock_secs}s${DRILL_SHORT:+, short})" \
  --rows "$ROWS" --connect-timeout "$CONNECT_TIMEOUT" --hang-limit "$hang" --recovery-max 2 \
  --max-connections "$maxc" --strict-acks
