#!/usr/bin/env bash
# Fault drill: SIGTERM to the app under load (Rocket's graceful shutdown).
#
#   bench/drills/shutdown.sh
#   DRILL_SHORT=1 bench/drills/shutdown.sh            # one cycle, ~15 s, for CI
#   DRILL_CYCLES=10 DRILL_GRACE=5 bench/drills/shutdown.sh
#
# The example app on a SQLite file in a temp dir, load.py's clients reading
# and writing through the REST API; DRILL_SIGTERM_AT seconds in, SIGTERM.
# Rocket then stops accepting connections and gives in-flight requests
# `shutdown.grace` seconds, connections `shutdown.mercy` more (ROCKET_SHUTDOWN,
# from DRILL_GRACE / DRILL_MERCY, Rocket's defaults 2 and 3). The load keeps
# going a few seconds after the signal (new requests are refused). Each
# cycle restarts the app on the same database file with a new content marker.
# Figures per cycle: requests in flight at SIGTERM that completed vs were cut,
# requests sent after it, the app's exit time and status; then every
# acknowledged write is looked up in the database (sqlite3), rows whose
# content the load never sent or that are duplicated count as half-written,
# and PRAGMA integrity_check must say ok (sqlite3 CLI, or Python's sqlite3
# module when the CLI is missing; SQLITE3 names another CLI).
# Environment: see lib.sh, plus DRILL_CYCLES (1 short, 5 full),
# DRILL_DURATION, DRILL_SIGTERM_AT, DRILL_GRACE, DRILL_MERCY, DRILL_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# reads the database with the sqlite3 CLI ($SQLITE3), or with Python's sqlite3
# module when the CLI is missing (nothing is installed); rows tab-separated
SQLITE3=${SQLITE3:-sqlite3}
sq() {  # database, SQL
  if command -v "$SQLITE3" > /dev/null; then
    "$SQLITE3" -separator $'\t' "$1" "$2"
  else
    "$PY" - "$1" "$2" <<'EOF'
import sqlite3, sys
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=rw", uri=True)  # never creates a file
for row in con.execute(sys.argv[2]):
    print("\t".join("" if v is None else str(v) for v in row))
con.close()
EOF
  fi
}
command -v "$SQLITE3" > /dev/null || "$PY" -c 'import sqlite3' 2> /dev/null \
  || die "needs the sqlite3 CLI or Python's sqlite3 module"
if [ -n "$DRILL_SHORT" ]; then cycles=1 dur=10 at=6; else cycles=5 dur=16 at=10; fi
cycles=${DRILL_CYCLES:-$cycles}; dur=${DRILL_DURATION:-$dur}; at=${DRILL_SIGTERM_AT:-$at}
grace=${DRILL_GRACE:-2}; mercy=${DRILL_MERCY:-3}
CONNECT_TIMEOUT=2

drill_init shutdown
db="$WORK/drill.db"
url="sqlite://$db"
APP_ENV="ROCKET_SHUTDOWN={grace=$grace,mercy=$mercy}"
summary=()
status=0

for cycle in $(seq 1 "$cycles"); do
  MARKER="drill$(date +%s)x$$c$cycle"
  EVENTS="$WORK/events-$cycle" REQ_LOG="$WORK/requests-$cycle.jsonl" APP_LOG="$WORK/app-$cycle.log"
  ROWS="$WORK/rows-$cycle.tsv"
  : > "$EVENTS"
  app_start "$url"
  curl -sf -m 10 -o /dev/null -u huey:password123 -H 'Content-Type: application/json' \
    -d '{"content":"warm-up"}' "http://127.0.0.1:$APP_PORT/api/message/" || die "POST /api/message/ failed before the fault"
  log "cycle $cycle/$cycles: $CLIENTS clients for ${dur}s, SIGTERM at +${at}s (grace ${grace}s, mercy ${mercy}s)"
  event load_start
  load_start "$dur" --timeout 30
  nap "$at"
  pid=$APP_PID
  # the signal and its timestamp from one process, microseconds apart
  "$PY" -c 'import os, signal, sys, time
t = time.time(); os.kill(int(sys.argv[1]), signal.SIGTERM); print("sigterm", t)' "$pid" >> "$EVENTS"
  log "event: sigterm (pid $pid)"
  if poll_fast $(( grace + mercy + 15 )) eval '! kill -0 '"$pid"; then
    event app_exit
    rc=0; wait "$pid" || rc=$?
  else
    log "the app did not exit within $(( grace + mercy + 15 ))s of SIGTERM: killing it"
    kill -9 "$pid" 2>/dev/null || true
    rc=killed; wait "$pid" 2>/dev/null || true
  fi
  APP_PID=""
  load_wait $(( dur + 45 ))
  sq "$db" "SELECT id, \"user\", content FROM message WHERE content LIKE '$MARKER-%' ORDER BY id" > "$ROWS"
  integrity=$(sq "$db" "PRAGMA integrity_check" | tr '\n' ' ' | sed 's/ $//')
  crc=0
  analyze --drill shutdown --title "shutdown cycle $cycle/$cycles (SQLite, grace ${grace}s, mercy ${mercy}s${DRILL_SHORT:+, short})" \
    --rows "$ROWS" --strict-acks --grace "$grace" --mercy "$mercy" --app-rc "$rc" --integrity "$integrity" || crc=$?
  [ "$crc" = 0 ] || status=1
  summary+=("$("$PY" - "${REQ_LOG%.jsonl}.figures.json" "$cycle" "$crc" <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))
st = f.get("status", {})
print(f"cycle {sys.argv[2]}: {f['requests']} requests ({st.get('200', 0)}x200 {st.get('201', 0)}x201), "
      f"in flight at SIGTERM {f.get('inflight')} (completed {f.get('inflight_completed')}, cut {f.get('inflight_cut')}), "
      f"{f.get('inflight_errors')} of them errors, answered after SIGTERM {f.get('after_sigterm_answered')}, exit after {f.get('exit_after_s')} s, "
      f"acked {f.get('writes_acked')} lost {f.get('lost_writes')}, committed although answered with an error "
      f"{f.get('error_answer_committed')} / cut {f.get('cut_committed')}"
      f" -> {'PASS' if sys.argv[3] == '0' else 'FAIL'}")
EOF
)")
done

echo "==== shutdown summary ($cycles cycle(s), database $(sq "$db" 'SELECT count(*) FROM message') messages)"
printf '  %s\n' "${summary[@]}"
echo "result: $([ "$status" = 0 ] && echo PASS || echo FAIL)"
exit "$status"
