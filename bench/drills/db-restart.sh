#!/usr/bin/env bash
# Fault drill: the database server restarts under load.
#
#   bench/drills/db-restart.sh pg|mysql
#   DRILL_SHORT=1 bench/drills/db-restart.sh pg        # ~25 s, for CI
#   DRILL_STOP_MODE=fast bench/drills/db-restart.sh mysql
#
# A private PostgreSQL (or MariaDB) in a temp dir, the example app on it
# (connect_timeout 2 s), and load.py's clients reading and writing through
# the REST API. Mid-run the private server is stopped (DRILL_STOP_MODE:
# immediate = pg_ctl -m immediate / SIGKILL, the default; fast = pg_ctl -m
# fast / SIGTERM), left down DRILL_DOWN seconds, and started again.
# Expectations: only 200/201/503; no request longer than 10 s; a 200 within
# 2 s of the server accepting connections again; every 201 in the database.
# Environment: see lib.sh, plus DRILL_DURATION, DRILL_FAULT_AT, DRILL_DOWN
# (seconds), DRILL_HANG_LIMIT (10), DRILL_OUT (a dir to copy the evidence to).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=${1:-}
case "$backend" in pg|postgres) backend=pg;; mysql|mariadb) backend=mysql;;
  *) echo "usage: $0 pg|mysql" >&2; exit 2;; esac
mode=${DRILL_STOP_MODE:-immediate}
case "$mode" in fast|immediate) ;; *) die "DRILL_STOP_MODE must be fast or immediate";; esac
if [ -n "$DRILL_SHORT" ]; then dur=20 fault_at=6 down=3; else dur=60 fault_at=20 down=5; fi
dur=${DRILL_DURATION:-$dur}; fault_at=${DRILL_FAULT_AT:-$fault_at}; down=${DRILL_DOWN:-$down}
CONNECT_TIMEOUT=2
hang=${DRILL_HANG_LIMIT:-10}

drill_init "db-restart-$backend"
MARKER="drill$(date +%s)x$$"

if [ "$backend" = pg ]; then
  pg_init; pg_start
  pg_sql postgres -c "CREATE DATABASE drill"
  url="postgres://postgres@127.0.0.1:$PG_PORT/drill"
  db_stop() { pg_stop "$mode"; }
  db_start() { pg_start_nowait; }
  db_up() { pg_up; }
  rows() { pg_rows; }
else
  my_init; my_start
  my_sql "" -e "CREATE DATABASE drill"
  url="mysql://root@127.0.0.1:$MY_PORT/drill"
  db_stop() { my_stop "$mode"; }
  db_start() { my_start_nowait; }
  db_up() { my_up; }
  rows() { my_rows; }
fi

app_start "$url"
# the app works before the fault: a read and a write (content outside the marker)
curl -sf -m 10 -o /dev/null "http://127.0.0.1:$APP_PORT/api/message/" || die "GET /api/message/ failed before the fault"
curl -sf -m 10 -o /dev/null -u huey:password123 -H 'Content-Type: application/json' \
  -d '{"content":"warm-up"}' "http://127.0.0.1:$APP_PORT/api/message/" || die "POST /api/message/ failed before the fault"

log "load: $CLIENTS clients for ${dur}s; $backend stop ($mode) at +${fault_at}s, down ${down}s"
event load_start
load_start "$dur" --timeout 30
nap "$fault_at"
event db_stop "$mode"
db_stop
event db_down
nap "$down"
event db_start
db_start
poll_fast 60 db_up || die "the private server did not come back"
event db_up
load_wait $(( dur + 45 ))
app_alive || log "warning: the app exited during the drill"

rows > "$ROWS" || die "reading the rows back failed"
analyze --drill db-restart --title "db-restart $backend (stop $mode, down ${down}s${DRILL_SHORT:+, short})" \
  --rows "$ROWS" --connect-timeout "$CONNECT_TIMEOUT" --hang-limit "$hang" --recovery-max 2
