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
# those finish within 2 s of the release; a 200 within 2 s of the release;
# no write answered 503 although it was committed.
# Then (DRILL_SHUTDOWN_PHASE=1, the default) the shutdown-while-stuck phase:
# the lock is taken again, requests get stuck behind it, and the app gets
# SIGTERM: it must exit within shutdown grace + mercy + 2 s (ROCKET_SHUTDOWN
# grace 2, mercy 3) while the lock is still held; the lock is released
# after DRILL_STUCK_SECS (grace + mercy + 10) at the latest.
# Environment: see lib.sh, plus DRILL_DURATION, DRILL_LOCK_AT,
# DRILL_LOCK_SECS, DRILL_MAX_CONNECTIONS (2), DRILL_HANG_LIMIT (10), DRILL_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -n "$DRILL_SHORT" ]; then dur=20 lock_at=4 lock_secs=6; else dur=50 lock_at=10 lock_secs=20; fi
dur=${DRILL_DURATION:-$dur}; lock_at=${DRILL_LOCK_AT:-$lock_at}; lock_secs=${DRILL_LOCK_SECS:-$lock_secs}
maxc=${DRILL_MAX_CONNECTIONS:-2}
grace=2 mercy=3
stuck_secs=${DRILL_STUCK_SECS:-$(( grace + mercy + 10 ))}
CONNECT_TIMEOUT=2
hang=${DRILL_HANG_LIMIT:-10}

drill_init pool-exhaustion
MARKER="drill$(date +%s)x$$"
pg_init; pg_start
pg_sql postgres -c "CREATE DATABASE drill"
url="postgres://postgres@127.0.0.1:$PG_PORT/drill"
APP_ENV="ROCKET_SHUTDOWN={grace=$grace,mercy=$mercy}"
app_start "$url" "max_connections=$maxc, "
curl -sf -m 10 -o /dev/null -u huey:password123 -H 'Content-Type: application/json' \
  -d '{"content":"warm-up"}' "http://127.0.0.1:$APP_PORT/api/message/" || die "POST /api/message/ failed before the fault"

# how many sessions hold a granted ACCESS EXCLUSIVE lock on message
locks() {
  pg_sql drill -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
    WHERE c.relname = 'message' AND l.mode = 'AccessExclusiveLock' AND l.granted"
}
locked() { [ "$(locks)" -ge 1 ]; }
unlocked() { [ "$(locks)" = 0 ]; }
# sessions of the drill database waiting for a lock (the app's stuck queries)
lock_waiters() {
  pg_sql drill -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'drill' AND wait_event_type = 'Lock'"
}
activity() {
  pg_sql drill -F $'\t' -c "SELECT pid, state, wait_event_type, left(query, 60) FROM pg_stat_activity
    WHERE datname = 'drill' AND pid <> pg_backend_pid() ORDER BY pid" || true
}

# the lock holder: psql (its own pid in BG_PIDS) reading statements from a FIFO on fd 7
lock_take() {  # event-name prefix
  rm -f "$WORK/lock.fifo"; mkfifo "$WORK/lock.fifo"
  "$PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d drill \
    < "$WORK/lock.fifo" >> "$WORK/lock.out" 2>&1 &
  BG_PIDS+=("$!")
  exec 7> "$WORK/lock.fifo"
  event "${1}lock_begin"
  echo "BEGIN; LOCK TABLE message IN ACCESS EXCLUSIVE MODE;" >&7
  poll_fast 30 locked || { cat "$WORK/lock.out" >&2; die "the lock was not granted within 30 s"; }
  event "${1}lock_taken"
}
lock_drop() {  # event-name prefix
  event "${1}lock_release"
  echo "COMMIT;" >&7
  exec 7>&-
  poll_fast 30 unlocked || die "the lock was not released within 30 s"
  event "${1}lock_released"
}

log "load: $CLIENTS clients for ${dur}s on a pool of $maxc; lock at +${lock_at}s for ${lock_secs}s"
event load_start
load_start "$dur" --timeout 60
nap "$lock_at"
lock_take ""
nap "$lock_secs"
activity > "$WORK/activity.txt"
lock_drop ""
log "sessions while locked (pid, state, wait, query):"; sed 's/^/  /' "$WORK/activity.txt" >&2
load_wait $(( dur + 75 ))
pg_rows > "$ROWS" || die "reading the rows back failed"

shutdown_args=()
if [ "${DRILL_SHUTDOWN_PHASE:-1}" = 1 ]; then
  log "shutdown-while-stuck: lock again, $(( maxc + 2 )) requests, SIGTERM once $maxc are stuck"
  lock_take stuck_
  for i in $(seq 1 $(( maxc + 2 ))); do
    curl -s -o /dev/null -m 60 -w '%{http_code} %{time_total}\n' \
      "http://127.0.0.1:$APP_PORT/api/message/" > "$WORK/stuck-$i.txt" 2>/dev/null &
    BG_PIDS+=("$!")
  done
  poll_fast 10 eval '[ "$(lock_waiters)" -ge '"$maxc"' ]' || log "warning: fewer than $maxc stuck queries"
  activity > "$WORK/activity-stuck.txt"
  pid=$APP_PID
  "$PY" -c 'import os, signal, sys, time
t = time.time(); os.kill(int(sys.argv[1]), signal.SIGTERM); print("stuck_sigterm", t)' "$pid" >> "$EVENTS"
  log "event: stuck_sigterm (pid $pid)"
  if poll_fast "$stuck_secs" eval '! kill -0 '"$pid"; then
    event stuck_app_exit
    lock_drop stuck_
  else
    log "the app is still running ${stuck_secs}s after SIGTERM: releasing the lock"
    lock_drop stuck_
    if poll_fast 20 eval '! kill -0 '"$pid"; then event stuck_app_exit; else log "still running 20 s after the release"; fi
  fi
  if app_alive; then
    rc=killed; app_stop_hard
  else
    rc=0; wait "$pid" 2>/dev/null || rc=$?
  fi
  APP_PID=""
  for i in $(seq 1 $(( maxc + 2 ))); do wait_until 65 test -s "$WORK/stuck-$i.txt" || true; done
  stuck=$(cat "$WORK"/stuck-*.txt 2>/dev/null | tr '\n' ';')
  log "sessions at SIGTERM:"; sed 's/^/  /' "$WORK/activity-stuck.txt" >&2
  shutdown_args=(--stuck-shutdown --app-rc "$rc" --stuck-requests "$stuck" --grace "$grace" --mercy "$mercy")
fi

analyze --drill pool --title "pool-exhaustion pg (max_connections $maxc, lock ${lock_secs}s${DRILL_SHORT:+, short})" \
  --rows "$ROWS" --connect-timeout "$CONNECT_TIMEOUT" --hang-limit "$hang" --recovery-max 2 \
  --max-connections "$maxc" --strict-acks "${shutdown_args[@]}"
