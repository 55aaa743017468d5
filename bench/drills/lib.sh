# Shared helpers of the fault drills (sourced, not run). Every server a drill
# uses is its own: a private PostgreSQL or MariaDB in the drill's temp dir on
# a loopback port of its own, and a copy of the example binary. The shared
# servers of the machine (5432, 3306) are never touched: the drills only stop
# a postmaster or mariadbd whose pid file lies in their own temp dir.
#
# Environment (defaults):
#   DRILL_SHORT=1          the short form (under ~60 s, for CI)
#   HANGAR_EXAMPLE_BIN     target/debug/example of this repository
#   DRILL_BIN_WAIT=0       seconds to wait for that binary to appear
#   DRILL_KEEP=1           keep the temp dir (logs, request log) afterwards
#   DRILL_PG_PORT=55432    DRILL_MY_PORT=53306  (a free port is taken if busy)
#   DRILL_CLIENTS=8        concurrent load clients

DRILLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$DRILLS_DIR/../.." && pwd)
DRILL_SHORT=${DRILL_SHORT:-0}
[ "$DRILL_SHORT" = 0 ] && DRILL_SHORT=""
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
CLIENTS=${DRILL_CLIENTS:-8}
PY=${PYTHON:-python3}
export PGCONNECT_TIMEOUT=5   # psql: never wait long for a server

WORK=""           # the drill's temp dir
APP_PID=""        # the example app
APP_PORT=""
PG_DATA=""        # private PostgreSQL: data dir, socket dir, port
PG_SOCK=""
PG_PORT=""
MY_DIR=""         # private MariaDB: dir, port, pid
MY_PORT=""
MY_PID=""
BG_PIDS=()        # other children to end on exit (load generator, psql)

# sleep that a TERM/INT interrupts at once (a foreground sleep would delay the trap)
nap() { sleep "$1" & wait $! || true; }

log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() { log "error: $*"; exit 2; }
now() { date +%s.%N; }

# record a named event (epoch seconds) for analyze.py
event() {
  local t; t=$(now)
  printf '%s %s\n' "$1" "$t" >> "$EVENTS"
  log "event: $1${2:+ ($2)}"
}

# poll "$@" every 0.1 s until it succeeds or $1 seconds pass
wait_until() {
  local secs=$1; shift
  local deadline; deadline=$(( $(date +%s%N) + secs * 1000000000 ))
  until "$@" 2>/dev/null; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# a free loopback TCP port, the preferred one when it is free
free_port() {
  "$PY" - "${1:-0}" <<'EOF'
import socket, sys
pref = int(sys.argv[1])
for p in ([pref] if pref else []) + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        print(s.getsockname()[1]); break
    except OSError:
        pass
    finally:
        s.close()
EOF
}

# is $1 a live process whose command line mentions $2?
proc_is() {
  local pid=$1 needle=$2
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$needle"
}

# ---------------------------------------------------------------- temp dir

drill_init() {  # name
  [ "$(id -u)" = 0 ] || [ "$(id -un)" = postgres ] || die "run as root (the private PostgreSQL runs as the postgres user)"
  WORK=$(mktemp -d "/tmp/hangar-drill-$1.XXXXXX")
  chmod 711 "$WORK"
  EVENTS="$WORK/events" REQ_LOG="$WORK/requests.jsonl" APP_LOG="$WORK/app.log" ROWS="$WORK/rows.tsv"
  : > "$EVENTS"
  trap drill_cleanup EXIT
  trap 'log "interrupted"; exit 130' INT TERM HUP
  local bin=${HANGAR_EXAMPLE_BIN:-$REPO/target/debug/example}
  local waited=0
  until [ -x "$bin" ]; do
    [ "$waited" -lt "${DRILL_BIN_WAIT:-0}" ] || die "$bin is missing (build it with: cargo build -p example)"
    sleep 10; waited=$(( waited + 10 ))
  done
  # a copy: the build may replace the binary while the drill runs
  cp "$bin" "$WORK/example"
  log "drill $1: temp dir $WORK, binary copied from $bin ($(stat -c %y "$bin" | cut -d. -f1))"
}

drill_cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  local p
  exec 7>&-  # a lock holder's FIFO (pool-exhaustion.sh)
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  app_stop_hard
  pg_kill
  my_kill
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ -n "${DRILL_KEEP:-}" ]; then
      log "kept $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}

# ---------------------------------------------------------------- the app

# start the copied example on a free port; $1 = database URL, $2 = extra
# ROCKET_DATABASES keys (e.g. "max_connections=2, "), then wait for /ping
app_start() {
  local url=$1 extra=${2:-}
  APP_PORT=$(free_port 0)
  (
    cd "$WORK" && exec env ROCKET_PORT="$APP_PORT" ROCKET_ADDRESS=127.0.0.1 \
      ROCKET_DATABASES="{main={url=\"$url\", ${extra}connect_timeout=${CONNECT_TIMEOUT:-2}}}" \
      ROCKET_HANGAR='{auth={bcrypt_cost=4, throttle_limit=1000000}}' \
      ROCKET_LOG_LEVEL="${DRILL_APP_LOG_LEVEL:-critical}" ROCKET_CLI_COLORS=false \
      ROCKET_TEMPLATE_DIR="$REPO/example/templates" ${APP_ENV:-} \
      ./example
  ) >> "$APP_LOG" 2>&1 < /dev/null &
  APP_PID=$!
  if ! wait_until 60 app_ping; then
    tail -n 30 "$APP_LOG" >&2
    die "the app did not answer /ping within 60 s"
  fi
  log "app pid $APP_PID on 127.0.0.1:$APP_PORT ($url)"
}

app_ping() { curl -sf -m 2 -o /dev/null "http://127.0.0.1:$APP_PORT/ping"; }
app_alive() { [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; }

app_stop_hard() {
  if app_alive; then
    kill "$APP_PID" 2>/dev/null
    wait_until 10 eval '! kill -0 '"$APP_PID" || kill -9 "$APP_PID" 2>/dev/null
    wait "$APP_PID" 2>/dev/null
  fi
  APP_PID=""
}

# ---------------------------------------------------------------- PostgreSQL

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@") 9>&- < /dev/null
  else
    (cd / && "$@") 9>&- < /dev/null
  fi
}

pg_init() {
  [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL server binaries in $PG_BIN"
  PG_PORT=$(free_port "${DRILL_PG_PORT:-55432}")
  mkdir -p "$WORK/pg/sock"
  PG_DATA="$WORK/pg/data"
  PG_SOCK="$WORK/pg/sock"
  chown -R postgres:postgres "$WORK/pg" 2>/dev/null || true
  chmod 700 "$WORK/pg"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-sync >> "$WORK/pg/initdb.log" 2>&1 \
    || { tail "$WORK/pg/initdb.log" >&2; die "initdb failed"; }
  cat >> "$PG_DATA/postgresql.conf" <<EOF
# hangar drill: private, loopback only
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 40
shared_buffers = 32MB
logging_collector = off
log_min_messages = warning
EOF
  log "private PostgreSQL initialised in $PG_DATA (port $PG_PORT)"
}

pg_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres; }

pg_start() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/server.log" -w -t 30 start > /dev/null \
    || { tail -n 20 "$WORK/pg/server.log" >&2; die "pg_ctl start failed"; }
  wait_until 30 pg_up || die "private PostgreSQL not accepting connections"
}

pg_stop() {  # mode: fast | immediate
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "$1" -w -t 30 stop > /dev/null \
    || die "pg_ctl stop -m $1 failed"
}

# on exit: only the postmaster of our own data dir
pg_kill() {
  [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ] || return 0
  local pid; pid=$(head -1 "$PG_DATA/postmaster.pid")
  proc_is "$pid" "$PG_DATA" || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 10 stop > /dev/null 2>&1 \
    || { proc_is "$pid" "$PG_DATA" && kill -9 "$pid"; }
}

# psql on the private server; $1 database, rest psql args
pg_sql() {
  local db=$1; shift
  "$PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" "$@"
}

# ---------------------------------------------------------------- MariaDB

my_init() {
  command -v mariadbd > /dev/null || [ -x /usr/sbin/mariadbd ] || die "mariadbd not installed"
  MY_PORT=$(free_port "${DRILL_MY_PORT:-53306}")
  MY_DIR="$WORK/my"
  mkdir -p "$MY_DIR/data" "$MY_DIR/tmp"
  # --no-defaults first: never read /etc/mysql (the shared server's config)
  mariadb-install-db --no-defaults --datadir="$MY_DIR/data" --user=root \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    > "$MY_DIR/install.log" 2>&1 || { tail "$MY_DIR/install.log" >&2; die "mariadb-install-db failed"; }
  log "private MariaDB initialised in $MY_DIR/data (port $MY_PORT)"
}

my_sock() { echo "$MY_DIR/my.sock"; }
my_up() { mariadb-admin --no-defaults -h 127.0.0.1 -P "$MY_PORT" -uroot --connect-timeout=2 ping > /dev/null 2>&1; }

my_start_nowait() {
  local d=/usr/sbin/mariadbd
  command -v mariadbd > /dev/null && d=$(command -v mariadbd)
  "$d" --no-defaults --datadir="$MY_DIR/data" --port="$MY_PORT" --bind-address=127.0.0.1 \
    --socket="$(my_sock)" --pid-file="$MY_DIR/my.pid" --tmpdir="$MY_DIR/tmp" --user=root \
    --log-error="$MY_DIR/error.log" --skip-name-resolve --innodb-buffer-pool-size=64M \
    --max-connections=100 < /dev/null > /dev/null 2>&1 &
  MY_PID=$!
  disown "$MY_PID"  # no "Killed" notice from bash when my_stop kills it
}

my_start() {
  my_start_nowait
  wait_until 60 my_up || { tail -n 20 "$MY_DIR/error.log" >&2; die "private MariaDB not accepting connections"; }
}

my_stop() {  # mode: fast (SIGTERM, clean shutdown) | immediate (SIGKILL)
  proc_is "$MY_PID" "$MY_DIR/data" || die "private mariadbd (pid $MY_PID) not running"
  if [ "$1" = immediate ]; then kill -9 "$MY_PID"; else kill -TERM "$MY_PID"; fi
  wait_until 60 eval '! kill -0 '"$MY_PID" || die "mariadbd did not stop"
  wait "$MY_PID" 2>/dev/null || true
  MY_PID=""
}

my_kill() {
  [ -n "$MY_DIR" ] || return 0
  local pid=${MY_PID:-$(cat "$MY_DIR/my.pid" 2>/dev/null)}
  proc_is "$pid" "$MY_DIR/data" || return 0
  kill -9 "$pid" 2>/dev/null
  wait_until 10 eval '! kill -0 '"$pid"
}

my_sql() {
  local db=$1; shift
  mariadb --no-defaults -h 127.0.0.1 -P "$MY_PORT" -uroot --connect-timeout=5 -N -B "$db" "$@"
}

# ---------------------------------------------------------------- load

# run load.py in the background; sets LOAD_PID. $1 seconds, rest extra args
load_start() {
  local secs=$1; shift
  "$PY" "$DRILLS_DIR/load.py" --base "http://127.0.0.1:$APP_PORT" --clients "$CLIENTS" \
    --duration "$secs" --marker "$MARKER" --out "$REQ_LOG" "$@" \
    > "${REQ_LOG%.jsonl}.load.out" 2>&1 &
  LOAD_PID=$!
  BG_PIDS+=("$LOAD_PID")
}

load_wait() {  # bounded: duration + client timeout + margin
  local limit=$1
  wait_until "$limit" eval '! kill -0 '"$LOAD_PID" || { kill "$LOAD_PID"; die "load generator overran ${limit}s"; }
  wait "$LOAD_PID" || { cat "${REQ_LOG%.jsonl}.load.out" >&2; die "load generator failed"; }
  cat "${REQ_LOG%.jsonl}.load.out" >&2
}

# poll "$@" every 20 ms until it succeeds or $1 seconds pass (fine-grained
# timestamps of a server coming back)
poll_fast() {
  local secs=$1; shift
  local deadline; deadline=$(( $(date +%s%N) + secs * 1000000000 ))
  until "$@" 2>/dev/null; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# start the private server without waiting (pg_ctl -W / mariadbd in the
# background), so the caller can timestamp the moment it accepts connections
pg_start_nowait() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/server.log" -W start > /dev/null \
    || { tail -n 20 "$WORK/pg/server.log" >&2; die "pg_ctl start failed"; }
}

# the drill's rows (id, user, content) whose content starts with $MARKER
pg_rows() {
  pg_sql drill -F $'\t' -c "SELECT id, \"user\", content FROM message WHERE content LIKE '$MARKER-%' ORDER BY id"
}
my_rows() {
  my_sql drill -e "SELECT id, \`user\`, content FROM message WHERE content LIKE '$MARKER-%' ORDER BY id"
}

# run analyze.py; copies the evidence to $DRILL_OUT when set
analyze() {
  local rc=0 report="${REQ_LOG%.jsonl}.report.txt" figures="${REQ_LOG%.jsonl}.figures.json"
  "$PY" "$DRILLS_DIR/analyze.py" --requests "$REQ_LOG" --events "$EVENTS" \
    --marker "$MARKER" --json "$figures" "$@" | tee "$report" || rc=${PIPESTATUS[0]}
  local n; n=$(grep -c . "$APP_LOG" || true)
  echo "app log: $n lines (ROCKET_LOG_LEVEL=${DRILL_APP_LOG_LEVEL:-critical})" | tee -a "$report"
  if [ "$n" != 0 ]; then
    { head -n 15 "$APP_LOG"; [ "$n" -le 30 ] || { echo "..."; tail -n 15 "$APP_LOG"; }; } \
      | sed 's/^/  | /' | tee -a "$report"
  fi
  if [ -n "${DRILL_OUT:-}" ]; then
    mkdir -p "$DRILL_OUT"
    local f
    for f in "$report" "$figures" "$REQ_LOG" "$EVENTS" "$APP_LOG" "$ROWS"; do
      [ -f "$f" ] && cp "$f" "$DRILL_OUT/"
    done
    log "evidence copied to $DRILL_OUT"
  fi
  return "$rc"
}
