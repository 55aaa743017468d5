#!/usr/bin/env bash
# Hangar's REST API vs a hand-written Rocket + sqlx handler serving the same
# URLs (rows decoded into structs, serde, exact COUNT(*); one autocommit
# INSERT ... RETURNING for create), same process, same database: 1k users,
# 100k messages, a 1M-row table for the count strategies. wrk -t2 -c32.
#   bench/rest.sh                                   # SQLite, 10 s per case
#   BENCH_URL=postgres://postgres@127.0.0.1:5432/test bench/rest.sh
#   BENCH_SECONDS=5 bench/rest.sh
# Columns: requests/s and p99 of each, their ratio, and the app's CPU time
# per request (user + system, from /proc) of each and its ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
secs=${BENCH_SECONDS:-10}
port=${BENCH_PORT:-8077}
# a fresh database every run (creates add rows; runs must compare alike)
if [ -z "${BENCH_URL:-}" ]; then
  export BENCH_DB=${BENCH_DB:-/tmp/hangar-rest-bench.db}
  rm -f "$BENCH_DB" "$BENCH_DB-wal" "$BENCH_DB-shm"
else
  psql "${BENCH_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS ${BENCH_URL##*/} WITH (FORCE)" \
    -c "CREATE DATABASE ${BENCH_URL##*/}"
fi
export BENCH_PORT=$port
cargo build --release -q -p hangar-bench --bin rest-bench
./target/release/rest-bench & pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for i in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/raw/bmessage/1" >/dev/null && break; sleep 0.5; done
post=$(mktemp)
cat > "$post" <<'LUA'
wrk.method = "POST"
wrk.body = '{"user": 999, "content": "benchmark message"}'
wrk.headers["Content-Type"] = "application/json"
LUA
auth_post=$(mktemp)
cat > "$auth_post" <<'LUA'
wrk.method = "POST"
wrk.body = '{"user": 999, "content": "benchmark message"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="
LUA
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
run() { # url [script] -> "rps|p99|cpu_us_per_request"
  local out before after rps p99 reqs
  before=$(cpu)
  if [ -n "${2:-}" ]; then out=$(wrk -t2 -c32 -d"${secs}s" --latency -s "$2" "$1"); else out=$(wrk -t2 -c32 -d"${secs}s" --latency "$1"); fi
  after=$(cpu)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  if echo "$out" | grep -q "Non-2xx"; then echo "$1: $(echo "$out" | grep Non-2xx)" >&2; fi
  echo "$rps|$p99|$(awk -v a="$before" -v b="$after" -v n="$reqs" -v t="$tick" 'BEGIN { printf "%.0f", (b - a) / t * 1e6 / n }')"
}
printf '%-26s %10s %9s %10s %9s %6s %8s %8s %6s\n' case hangar/s p99 raw/s p99 ratio cpu_us raw_us ratio
compare() { # name hangar_path raw_path [script]
  local script=${4:-} h r
  if [ -z "$script" ]; then
    for u in "$2" "$3"; do
      curl -sf -o /dev/null "http://127.0.0.1:$port$u" || { echo "$u does not answer 200"; exit 1; }
    done
  fi
  h=$(run "http://127.0.0.1:$port$2" "$script")
  r=$(run "http://127.0.0.1:$port$3" "$script")
  IFS='|' read -r hr hp hc <<<"$h"
  IFS='|' read -r rr rp rc <<<"$r"
  printf '%-26s %10s %9s %10s %9s %6s %8s %8s %6s\n' "$1" "$hr" "$hp" "$rr" "$rp" \
    "$(awk -v a="$hr" -v b="$rr" 'BEGIN { printf "%.2f", a / b }')" "$hc" "$rc" \
    "$(awk -v a="$hc" -v b="$rc" 'BEGIN { printf "%.2f", a / b }')"
}
compare "list page" "/api/bmessage/?page=7" "/raw/bmessage?page=7"
compare "filtered ?user=" "/api/bmessage/?user=7" "/raw/bmessage?user=7"
compare "joined ?user__username=" "/api/bmessage/?user__username=user42" "/raw/bmessage?user__username=user42"
compare "detail" "/api/bmessage/4242/" "/raw/bmessage/4242"
compare "create" "/api/bmessage/" "/raw/bmessage" "$post"
# count strategies on the 1M-row table, each against the hand-written page
# that counts exactly
compare "1M rows, exact count" "/api/bpost/?page=7" "/raw/bpost?page=7"
compare "1M rows, estimated" "/api/bpost_estimated/?page=7" "/raw/bpost?page=7"
compare "1M rows, no count" "/api/bpost_uncounted/?page=7" "/raw/bpost?page=7"
# authenticated writes (HTTP Basic, bcrypt cost 12) against the same create
# without auth, both through Hangar (the credentials cache's goal: >= 0.8)
compare "create Basic / no auth" "/api/amessage/" "/api/bmessage/" "$auth_post"
basic_get="$(mktemp)"
printf 'wrk.headers["Authorization"] = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="\n' > "$basic_get"
compare "detail Basic / no auth" "/api/rmessage/4242/" "/api/bmessage/4242/" "$basic_get"
compare "list Basic / no auth" "/api/rmessage/?user=7" "/api/bmessage/?user=7" "$basic_get"
rm -f "$basic_get"
echo "server RSS: $(awk '/VmRSS/ {print $2 " " $3}' /proc/$pid/status)"
rm -f "$auth_post" "$post"
