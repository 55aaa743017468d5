#!/usr/bin/env bash
# Hangar's REST API vs a hand-written Rocket + sqlx handler, same queries, on
# SQLite with 1k users / 100k messages, driven by wrk on loopback.
#   bench/rest.sh            # 10 s per case, 32 connections
#   BENCH_SECONDS=5 bench/rest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
secs=${BENCH_SECONDS:-10}
port=${BENCH_PORT:-8077}
export BENCH_DB=${BENCH_DB:-/tmp/hangar-rest-bench.db}
export BENCH_PORT=$port
cargo build --release -q -p hangar-bench --bin rest-bench
./target/release/rest-bench & pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for i in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/raw/bmessage/1" >/dev/null && break; sleep 0.5; done
post=$(mktemp)
cat > "$post" <<'LUA'
wrk.method = "POST"
wrk.body = '{"user": 7, "content": "benchmark message"}'
wrk.headers["Content-Type"] = "application/json"
LUA
auth_post=$(mktemp)
cat > "$auth_post" <<'LUA'
wrk.method = "POST"
wrk.body = '{"user": 7, "content": "benchmark message"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="
LUA
run() { # name url [script]
  local out
  if [ -n "${3:-}" ]; then out=$(wrk -t2 -c32 -d"${secs}s" --latency -s "$3" "$2"); else out=$(wrk -t2 -c32 -d"${secs}s" --latency "$2"); fi
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$1|$rps|$p99"
}
printf '%-28s %12s %10s %12s %10s %7s\n' case hangar_rps p99 raw_rps p99 ratio
for c in "list page|/api/bmessage/?page=7|/raw/bmessage?page=7" \
         "filtered list|/api/bmessage/?user__username=user42|/raw/bmessage?user__username=user42" \
         "detail|/api/bmessage/4242/|/raw/bmessage/4242" \
         "create|/api/bmessage/|/raw/bmessage"; do
  IFS='|' read -r name hpath rpath <<<"$c"
  script=""; [ "$name" = create ] && script=$post
  if [ -z "$script" ]; then
    for u in "$hpath" "$rpath"; do
      curl -sf -o /dev/null "http://127.0.0.1:$port$u" || { echo "$u does not answer 200"; exit 1; }
    done
  fi
  h=$(run "$name" "http://127.0.0.1:$port$hpath" "$script")
  r=$(run "$name" "http://127.0.0.1:$port$rpath" "$script")
  hr=$(echo "$h" | cut -d'|' -f2); hp=$(echo "$h" | cut -d'|' -f3)
  rr=$(echo "$r" | cut -d'|' -f2); rp=$(echo "$r" | cut -d'|' -f3)
  ratio=$(awk -v a="$hr" -v b="$rr" 'BEGIN { printf "%.2f", a / b }')
  printf '%-28s %12s %10s %12s %10s %7s\n' "$name" "$hr" "$hp" "$rr" "$rp" "$ratio"
done
# authenticated writes (HTTP Basic, bcrypt cost 12) against the same create
# without auth, both through Hangar (the credentials cache's goal: >= 0.8)
a=$(run "create, Basic auth" "http://127.0.0.1:$port/api/amessage/" "$auth_post")
o=$(run "create, no auth" "http://127.0.0.1:$port/api/bmessage/" "$post")
ar=$(echo "$a" | cut -d'|' -f2); ap=$(echo "$a" | cut -d'|' -f3)
or=$(echo "$o" | cut -d'|' -f2); op=$(echo "$o" | cut -d'|' -f3)
ratio=$(awk -v a="$ar" -v b="$or" 'BEGIN { printf "%.2f", a / b }')
printf '%-28s %12s %10s %12s %10s %7s\n' "create Basic / no auth" "$ar" "$ap" "$or" "$op" "$ratio"
echo "server RSS: $(awk '/VmRSS/ {print $2 " " $3}' /proc/$pid/status)"
rm -f "$auth_post"
rm -f "$post"
