#!/usr/bin/env bash
# A real PostgreSQL streaming replica (hot standby) of the local primary, for
# tests that read from a replica.
#
# usage: .ci/pg-replica.sh start|stop|destroy|status|url|wait
#   start    take a base backup of the primary and start it as a standby (or
#            restart a stopped one from its kept dir); waits until it is in
#            recovery, streaming and caught up; prints the URL on stdout
#   stop     fast shutdown; keeps the dir, so `start` resumes it quickly
#            (`stop --keep` is accepted and means the same)
#   destroy  stop, drop its replication slot on the primary, remove the dir
#   status   running/stopped and replay lag; exit 0 running, 3 stopped
#   url      print the replica's URL (whether it runs or not)
#   wait     wait until the replica has replayed the primary's current WAL
#
# environment (defaults):
#   PG_REPLICA_DIR=/tmp/hangar-pg-replica  PG_REPLICA_PORT=5433
#   PG_REPLICA_DB=test  PG_PRIMARY_PORT=5432  PG_REPLICA_TIMEOUT=60 (seconds)
#   PG_REPLICA_SLOT=hangar_replica_<port>  (set it empty to use no slot)
#   PG_BIN=/usr/lib/postgresql/<primary's major>/bin
# Diagnostics go to stderr; stdout carries only the URL (start, url), so
# `url=$(.ci/pg-replica.sh start)` works.
set -euo pipefail

DIR="${PG_REPLICA_DIR:-/tmp/hangar-pg-replica}"
DIR="${DIR%/}"
PORT="${PG_REPLICA_PORT:-5433}"
DB="${PG_REPLICA_DB:-test}"
PRIMARY_PORT="${PG_PRIMARY_PORT:-5432}"
TIMEOUT="${PG_REPLICA_TIMEOUT:-60}"
SLOT="${PG_REPLICA_SLOT-hangar_replica_${PORT}}"
HOST=127.0.0.1
DATA="$DIR/data"          # the standby's data directory
SOCK="$DIR/socket"        # its unix socket dir (not /var/run/postgresql)
LOG="$DIR/postgres.log"   # its server log
MARK="$DIR/.hangar-pg-replica"  # only dirs holding this are ever removed
DONE="$DIR/.backup-complete"    # the base backup finished
URL="postgres://postgres@$HOST:$PORT/$DB"

log() { echo "pg-replica: $*" >&2; }
die() { log "error: $*"; exit 1; }

case "$DIR" in /?*) ;; *) die "PG_REPLICA_DIR must be an absolute path other than /";; esac
[[ "$SLOT" =~ ^[a-z0-9_]*$ ]] || die "PG_REPLICA_SLOT may hold only a-z, 0-9 and _"

# client tools: the newest installed (they talk to older servers too)
CLIENT_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
[ -x "$CLIENT_BIN/psql" ] || die "no PostgreSQL client in ${CLIENT_BIN:-/usr/lib/postgresql/*/bin}"
SERVER_BIN=""  # pg_ctl/pg_basebackup of the primary's major version; see server_bin

# run a command as the postgres OS user (pg_ctl refuses root); from / so a
# cwd it cannot read does no harm, and without the lock fd, which a
# postmaster started here would otherwise inherit and hold forever
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@") 9>&-
  elif [ "$(id -un)" = postgres ]; then
    (cd / && "$@") 9>&-
  else
    die "run as root or as the postgres user"
  fi
}

# psql against the primary (pp) or the replica (rq): unaligned, tuples only
psql_at() { local port=$1; shift; "$CLIENT_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$port" -U postgres -d postgres "$@"; }
pp() { psql_at "$PRIMARY_PORT" -c "$1"; }
rq() { psql_at "$PORT" -c "$1"; }

primary_up() { "$CLIENT_BIN/pg_isready" -q -h "$HOST" -p "$PRIMARY_PORT"; }
# 0 when something accepts connections on the replica port
port_up() { "$CLIENT_BIN/pg_isready" -q -h "$HOST" -p "$PORT"; }
in_recovery() { [ "$(rq 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; }

# set SERVER_BIN from $PG_BIN, the kept data dir, or the primary's version
server_bin() {
  [ -n "$SERVER_BIN" ] && return 0
  local major=""
  if [ -n "${PG_BIN:-}" ]; then SERVER_BIN="$PG_BIN"; return 0; fi
  if [ -f "$DATA/PG_VERSION" ]; then
    major=$(cat "$DATA/PG_VERSION")
  elif primary_up; then
    major=$(( $(pp 'SHOW server_version_num') / 10000 ))
  fi
  [ -n "$major" ] || return 1
  SERVER_BIN="/usr/lib/postgresql/$major/bin"
  [ -x "$SERVER_BIN/pg_ctl" ] || die "PostgreSQL $major server binaries not found in $SERVER_BIN"
}

# is the postmaster of our data dir alive? (its pid file names a live,
# non-zombie process)
replica_running() {
  local pid state
  pid=$(head -1 "$DATA/postmaster.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ "$state" != Z* ]] && server_bin
}

# serialise start/stop/destroy of the same replica
take_lock() {
  exec 9>"$DIR.lock"
  flock -w "$TIMEOUT" 9 || die "another pg-replica.sh holds $DIR.lock"
}

# poll "$@" every 0.1s until it succeeds, TIMEOUT passes or the replica dies
wait_for() {
  local what=$1; shift
  local deadline=$(( $(date +%s) + TIMEOUT ))
  until "$@"; do
    if ! port_up && ! replica_running; then
      log "the replica's postmaster exited while waiting for: $what"
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "timed out after ${TIMEOUT}s waiting for: $what"
      return 1
    fi
    sleep 0.1
  done
}

show_log() { [ -f "$LOG" ] && { log "last lines of $LOG:"; tail -n 30 "$LOG" >&2; } || true; }

# the primary must be up and able to feed a standby
check_primary() {
  primary_up || die "the primary at $HOST:$PRIMARY_PORT is not accepting connections"
  local wal_level senders
  wal_level=$(pp 'SHOW wal_level')
  senders=$(pp 'SHOW max_wal_senders')
  case "$wal_level" in replica|logical) ;;
    *) die "primary has wal_level=$wal_level; streaming replication needs replica or logical (set it in postgresql.conf and restart the primary)";;
  esac
  [ "$senders" -gt 0 ] || die "primary has max_wal_senders=0; set it > 0 and restart the primary"
  if [ -n "$SLOT" ]; then
    [ "$(pp 'SHOW max_replication_slots')" -gt 0 ] \
      || die "primary has max_replication_slots=0; set it > 0 or run with PG_REPLICA_SLOT="
  fi
  server_bin || die "cannot tell the primary's PostgreSQL version"
}

# can postgres@127.0.0.1 open a replication connection to the primary?
replication_ok() {
  "$CLIENT_BIN/psql" -X -A -t -q \
    "host=$HOST port=$PRIMARY_PORT user=postgres dbname=postgres replication=true" \
    -c 'IDENTIFY_SYSTEM' >/dev/null 2>&1
}

# add `host replication postgres 127.0.0.1/32 trust` to the primary's
# pg_hba.conf when replication connections are refused and the line is missing
ensure_hba() {
  replication_ok && return 0
  local hba line="host replication postgres 127.0.0.1/32 trust"
  hba=$(pp 'SHOW hba_file')
  [ -w "$hba" ] || die "replication connections are refused and $hba is not writable here; add: $line"
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+postgres[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust([[:space:]]|$)' "$hba"; then
    log "adding '$line' to $hba"
    # end the last line first if the file lacks a trailing newline
    [ -z "$(tail -c 1 "$hba")" ] || echo >> "$hba"
    printf '%s  # added by .ci/pg-replica.sh\n' "$line" >> "$hba"
  fi
  pp 'SELECT pg_reload_conf()' >/dev/null
  # the reload is asynchronous: give the postmaster a moment
  local i
  for i in $(seq 1 50); do replication_ok && return 0; sleep 0.1; done
  die "replication connections to the primary are still refused after adding '$line' to $hba (an earlier line may reject them; see $hba)"
}

slot_state() {  # prints "" (no slot), "t" (active) or "f" (inactive)
  pp "SELECT active FROM pg_replication_slots WHERE slot_name = '$SLOT'"
}

# drop our slot on the primary, waiting for a just-stopped walsender to let go
drop_slot() {
  [ -n "$SLOT" ] && primary_up || return 0
  local i state
  for i in $(seq 1 100); do
    state=$(slot_state)
    case "$state" in
      "") return 0;;
      f) pp "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null && { log "dropped replication slot $SLOT"; return 0; };;
    esac
    sleep 0.1
  done
  die "replication slot $SLOT on the primary is still in use (another standby?)"
}

# remove DIR, but only if this script made it (or it is empty)
wipe_dir() {
  [ -e "$DIR" ] || return 0
  if [ -f "$MARK" ] || [ -z "$(ls -A "$DIR")" ]; then
    rm -rf "$DIR"
  else
    die "refusing to remove $DIR: it was not created by this script"
  fi
}

# a kept standby we can simply restart?
reusable() {
  [ -f "$MARK" ] && [ -f "$DONE" ] && [ -f "$DATA/standby.signal" ] && [ -f "$DATA/PG_VERSION" ] || return 1
  [ "$(cat "$DATA/PG_VERSION")" = "$(( $(pp 'SHOW server_version_num') / 10000 ))" ] || return 1
  # with a slot, the slot must still hold our WAL on the primary
  [ -z "$SLOT" ] || [ "$(slot_state)" = f ]
}

base_backup() {
  wipe_dir
  mkdir -p "$DIR"
  touch "$MARK"
  mkdir -p "$SOCK"
  chown -R postgres:postgres "$DIR" 2>/dev/null || true
  chmod 700 "$DIR" "$SOCK"
  as_pg test -w "$DIR" || die "the postgres user cannot write to $DIR (choose another PG_REPLICA_DIR)"
  local slot_args=()
  if [ -n "$SLOT" ]; then
    # a stale slot from an earlier replica would pin old WAL: recreate it
    drop_slot
    slot_args=(-C -S "$SLOT")
  fi
  log "pg_basebackup of $HOST:$PRIMARY_PORT into $DATA"
  # -c fast: do not wait for a spread checkpoint; -R: write standby.signal
  # and primary_conninfo (and primary_slot_name with -S)
  as_pg "$SERVER_BIN/pg_basebackup" -h "$HOST" -p "$PRIMARY_PORT" -U postgres \
    -D "$DATA" -R -X stream -c fast "${slot_args[@]}" \
    || die "pg_basebackup failed"
  touch "$DONE"
}

# the standby's own config, rewritten on every start: the primary's settings
# from its config files (minus paths, ports, ssl, logging, archiving), our
# port/socket/hba, and the hot-standby limits that must be >= the primary's
write_config() {
  local q="replace(replace(setting, E'\\\\', E'\\\\\\\\'), '''', '''''')"
  local copied limits
  copied=$(pp "SELECT name || ' = ''' || $q || '''' FROM pg_settings
    WHERE source = 'configuration file'
      AND name NOT IN ('port', 'listen_addresses', 'data_directory', 'config_file',
        'hba_file', 'ident_file', 'external_pid_file', 'cluster_name',
        'log_destination', 'logging_collector', 'log_directory', 'log_filename',
        'synchronous_standby_names', 'restore_command', 'promote_trigger_file',
        'event_source', 'krb_server_keyfile')
      AND name !~ '^(ssl|archive_|primary_|recovery_|syslog_|unix_socket_|bonjour)'
    ORDER BY name")
  limits=$(pp "SELECT name || ' = ' || setting FROM pg_settings
    WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders',
      'max_prepared_transactions', 'max_locks_per_transaction')
    ORDER BY name")
  cat > "$DATA/postgresql.conf" <<EOF
# written by .ci/pg-replica.sh on every start; do not edit
# -- from the primary's configuration
$copied
# -- hot standby needs these >= the primary's
$limits
# -- this replica
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$SOCK'
hba_file = '$DATA/pg_hba.conf'
ident_file = '$DATA/pg_ident.conf'
cluster_name = 'hangar-replica'
hot_standby = on
ssl = off
logging_collector = off
EOF
  cat > "$DATA/pg_hba.conf" <<EOF
# written by .ci/pg-replica.sh
local all all trust
host all all $HOST/32 trust
host replication all $HOST/32 trust
EOF
  : > "$DATA/pg_ident.conf"
  chown postgres:postgres "$DATA/postgresql.conf" "$DATA/pg_hba.conf" "$DATA/pg_ident.conf" 2>/dev/null || true
  chmod 600 "$DATA/postgresql.conf" "$DATA/pg_hba.conf" "$DATA/pg_ident.conf"
}

streaming() { [ "$(rq 'SELECT status FROM pg_stat_wal_receiver' 2>/dev/null)" = streaming ]; }

# replayed at least up to the primary's WAL position taken now
caught_up_to() { [ "$(rq "SELECT pg_last_wal_replay_lsn() >= '$1'::pg_lsn" 2>/dev/null)" = t ]; }
wait_caught_up() {
  local target
  target=$(pp 'SELECT pg_current_wal_lsn()')
  wait_for "replay up to the primary's WAL position $target" caught_up_to "$target"
}

# wait until the standby is up, in recovery, streaming and caught up
wait_ready() {
  wait_for "accepting connections on $HOST:$PORT" port_up \
    && wait_for "pg_is_in_recovery() on the replica" in_recovery \
    && wait_for "the WAL receiver to stream from the primary" streaming \
    && wait_caught_up
}

cmd_start() {
  local t0; t0=$(date +%s.%N)
  take_lock
  check_primary
  # idempotent: a standby already answering on the port is all we need
  if port_up; then
    if in_recovery; then
      log "replica already running on $HOST:$PORT"
      echo "$URL"; return 0
    fi
    die "$HOST:$PORT is served by a server that is not a standby (a promoted replica or another server); run '$0 destroy' or set PG_REPLICA_PORT"
  fi
  local started=0 running_port
  if replica_running; then
    # still starting up; but it must be ours on this port
    running_port=$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)
    [ "$running_port" = "$PORT" ] \
      || die "the replica in $DIR runs on port ${running_port:-?}, not $PORT; stop it first or set another PG_REPLICA_DIR"
  else
    ensure_hba
    if reusable; then
      log "restarting the kept replica in $DATA"
    else
      base_backup
    fi
    write_config
    # after a crash (kill -9) the dead postmaster may linger as a zombie
    # until init reaps it, and its pid file would make the new one refuse
    local old_pid
    old_pid=$(head -1 "$DATA/postmaster.pid" 2>/dev/null || true)
    if [[ "$old_pid" =~ ^[0-9]+$ ]] && kill -0 "$old_pid" 2>/dev/null; then
      log "waiting for the crashed postmaster (pid $old_pid) to be reaped"
      local i
      for i in $(seq 1 $(( TIMEOUT * 10 ))); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.1; done
      ! kill -0 "$old_pid" 2>/dev/null || die "pid $old_pid is still there after ${TIMEOUT}s"
    fi
    : >> "$LOG"; chown postgres:postgres "$LOG" 2>/dev/null || true
    as_pg "$SERVER_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t "$TIMEOUT" start >/dev/null \
      || { show_log; die "pg_ctl start failed"; }
    started=1
  fi
  if ! wait_ready; then
    show_log
    if [ "$started" = 1 ]; then
      as_pg "$SERVER_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
      die "the replica did not become a streaming standby (stopped it; dir kept at $DIR)"
    fi
    die "the replica did not become a streaming standby"
  fi
  log "replica streaming on $HOST:$PORT (ready in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}")s)"
  echo "$URL"
}

cmd_stop() {
  take_lock
  if replica_running; then
    as_pg "$SERVER_BIN/pg_ctl" -D "$DATA" -m fast -w -t "$TIMEOUT" stop >/dev/null \
      || { show_log; die "pg_ctl stop failed"; }
    log "replica stopped${1:- (dir kept at $DIR; 'start' resumes it, 'destroy' removes it)}"
  elif [ -d "$DATA" ]; then
    log "replica not running (dir kept at $DIR)"
  else
    log "no replica at $DIR"
  fi
}

cmd_destroy() {
  cmd_stop " "
  drop_slot
  wipe_dir
  log "replica destroyed"
}

cmd_status() {
  if ! replica_running; then
    if [ -f "$DONE" ]; then echo "stopped (dir kept at $DIR)"; else echo "stopped (no replica at $DIR)"; fi
    return 3
  fi
  local pid recovery receiver lag_bytes="unknown (primary unreachable)" lag_time
  pid=$(head -1 "$DATA/postmaster.pid" 2>/dev/null || echo '?')
  echo "running (pid $pid, $URL, dir $DIR)"
  if ! port_up; then echo "not accepting connections yet"; return 0; fi
  recovery=$(rq 'SELECT pg_is_in_recovery()')
  receiver=$(rq 'SELECT status FROM pg_stat_wal_receiver')
  lag_time=$(rq "SELECT coalesce((now() - pg_last_xact_replay_timestamp())::text, 'none replayed yet')")
  if primary_up; then
    lag_bytes=$(rq "SELECT pg_wal_lsn_diff('$(pp 'SELECT pg_current_wal_lsn()')', pg_last_wal_replay_lsn())")
  fi
  echo "in_recovery: $recovery"
  echo "wal_receiver: ${receiver:-not running}"
  echo "replay_lag_bytes: $lag_bytes (primary's current WAL position minus the replica's replayed one)"
  echo "last_replayed_xact_age: $lag_time (grows while the primary is idle)"
}

cmd_wait() {
  primary_up || die "the primary at $HOST:$PRIMARY_PORT is not accepting connections"
  port_up && in_recovery || die "no standby running on $HOST:$PORT"
  wait_caught_up || die "the replica did not catch up within ${TIMEOUT}s"
}

case "${1:-}" in
  start) cmd_start;;
  stop) [ "${2:-}" = "" ] || [ "${2:-}" = --keep ] || die "usage: $0 stop [--keep]"; cmd_stop;;
  destroy) cmd_destroy;;
  status) cmd_status;;
  url) echo "$URL";;
  wait) cmd_wait;;
  *) echo "usage: $0 start|stop|destroy|status|url|wait" >&2; exit 2;;
esac
