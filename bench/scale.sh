#!/usr/bin/env bash
# Scale-out: 1, 2 and 3 instances of the REST bench server behind haproxy
# (Debian's), on one PostgreSQL database, wrk -t2 -c32 through the balancer
# on list, detail, create and authenticated create (HTTP Basic). For each
# run: requests/s, p99, and the CPU the app instances and the PostgreSQL
# server spent per request (from /proc), which shows where the work goes
# and what a bigger database host would carry.
#   bench/scale.sh
#   BENCH_SECONDS=5 PG_URL=postgres://postgres@127.0.0.1:5432 bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${BENCH_SECONDS:-10}
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
if ! command -v haproxy >/dev/null; then
  apt-get update -qq && apt-get install -y -qq haproxy >/dev/null
fi
db=hangar_scale_bench
psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
export BENCH_URL="$pg/$db"
cargo build --release -q -p hangar-bench --bin rest-bench
work=$(mktemp -d)
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT
tick=$(getconf CLK_TCK)
# CPU ticks of the given pids, or of every postgres process when "pg"
ticks() {
  if [ "$1" = pg ]; then
    for p in $(pgrep -x postgres); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done | awk '{s += $1} END {print s + 0}'
  else
    for p in "${@}"; do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{s += $1} END {print s + 0}'
  fi
}
start_instance() { # port
  BENCH_PORT=$1 ./target/release/rest-bench & pids+=($!)
  for i in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/raw/bmessage/1" >/dev/null && return 0; sleep 0.5; done
  echo "instance on $1 did not start"; exit 1
}
post="$work/post.lua"
cat > "$post" <<'LUA'
wrk.method = "POST"
wrk.body = '{"user": 7, "content": "scale benchmark"}'
wrk.headers["Content-Type"] = "application/json"
LUA
auth_post="$work/auth_post.lua"
sed 's/^wrk.headers\["Content-Type"\].*/&\nwrk.headers["Authorization"] = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="/' "$post" > "$auth_post"
# the first instance seeds the database (1k users, 100k messages, 1M posts)
start_instance 8101
apps=("${pids[0]}")
printf '%-10s %-26s %10s %9s %12s %12s %9s\n' instances case req/s p99 app_cpu_us db_cpu_us db_cores
for n in 1 2 3; do
  while [ "${#apps[@]}" -lt "$n" ]; do
    start_instance $((8101 + ${#apps[@]}))
    apps+=("${pids[-1]}")
  done
  cfg="$work/haproxy-$n.cfg"
  {
    printf 'global\n  maxconn 4096\n  log stdout format raw local0 emerg\n'
    printf 'defaults\n  mode http\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n  option http-keep-alive\n'
    printf 'frontend api\n  bind 127.0.0.1:8100\n  default_backend apps\n'
    printf 'backend apps\n  balance roundrobin\n'
    for i in $(seq 1 "$n"); do printf '  server app%s 127.0.0.1:%s maxconn 64\n' "$i" $((8100 + i)); done
  } > "$cfg"
  haproxy -f "$cfg" & hp=$!
  pids+=("$hp")
  for i in $(seq 1 50); do curl -sf "http://127.0.0.1:8100/raw/bmessage/1" >/dev/null && break; sleep 0.1; done
  for c in "list page|/api/bmessage/?page=7|" "1M rows, estimated count|/api/bpost_estimated/?page=7|" \
           "detail|/api/bmessage/4242/|" \
           "create|/api/bmessage/|$post" "create, Basic auth|/api/amessage/|$auth_post"; do
    IFS='|' read -r name path script <<<"$c"
    a0=$(ticks "${apps[@]}"); d0=$(ticks pg)
    if [ -n "$script" ]; then
      out=$(wrk -t2 -c32 -d"${secs}s" --latency -s "$script" "http://127.0.0.1:8100$path")
    else
      out=$(wrk -t2 -c32 -d"${secs}s" --latency "http://127.0.0.1:8100$path")
    fi
    a1=$(ticks "${apps[@]}"); d1=$(ticks pg)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    if echo "$out" | grep -q "Non-2xx"; then echo "  $name: $(echo "$out" | grep Non-2xx)"; fi
    printf '%-10s %-26s %10s %9s %12s %12s %9s\n' "$n" "$name" "$rps" "$p99" \
      "$(awk -v a="$a0" -v b="$a1" -v n="$reqs" -v t="$tick" 'BEGIN { printf "%.0f", (b - a) / t * 1e6 / n }')" \
      "$(awk -v a="$d0" -v b="$d1" -v n="$reqs" -v t="$tick" 'BEGIN { printf "%.0f", (b - a) / t * 1e6 / n }')" \
      "$(awk -v a="$d0" -v b="$d1" -v s="$secs" -v t="$tick" 'BEGIN { printf "%.2f", (b - a) / t / s }')"
  done
  kill "$hp"; wait "$hp" 2>/dev/null || true
done
echo "machine: $(nproc) cores shared by wrk, haproxy, the instances and PostgreSQL"
echo "a database host with C cores carries about C / db_cpu_us * 1e6 requests/s of a case before it saturates"
