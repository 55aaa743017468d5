#!/usr/bin/env bash
# Memory: (1) the example app (release) under wrk load — list, detail and
# authenticated create at 32 connections — peak RSS; (2) the admin's CSV
# export of a 1,000,000-row table from the REST bench server, RSS sampled
# every 50 ms while the export streams, against the server's RSS before.
#   bench/memory.sh
#   BENCH_SECONDS=5 bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
secs=${BENCH_SECONDS:-10}
cargo build --release -q -p example -p hangar-bench --bin example --bin rest-bench
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# (1) the example under load
port=8093
(cd "$work" && exec env ROCKET_SEED_DEMO_DATA=true ROCKET_PORT=$port ROCKET_LOG_LEVEL=off ROCKET_SECRET_KEY=hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk= ROCKET_TEMPLATE_DIR="$OLDPWD/example/templates" \
  ROCKET_DATABASES="{main={url=\"sqlite://$work/example.db\"}}" \
  ROCKET_HANGAR='{auth={throttle_limit=1000000}, database={migrations_dir="'"$OLDPWD"'/example/migrations"}}' \
  "$OLDPWD/target/release/example") & ex=$!
pids+=("$ex")
for i in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/api/message/" >/dev/null && break; sleep 0.2; done
post="$work/post.lua"
cat > "$post" <<'LUA'
wrk.method = "POST"
wrk.body = '{"content": "memory benchmark"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic aHVleTpwYXNzd29yZDEyMw=="
LUA
echo "example at start: $(rss "$ex") kB"
wrk -t2 -c32 -d"${secs}s" "http://127.0.0.1:$port/api/message/" >/dev/null
wrk -t2 -c32 -d"${secs}s" "http://127.0.0.1:$port/api/message/1/" >/dev/null
wrk -t2 -c32 -d"${secs}s" -s "$post" "http://127.0.0.1:$port/api/message/" >/dev/null
wrk -t2 -c32 -d"${secs}s" "http://127.0.0.1:$port/api/message/?page=3" >/dev/null
echo "example under load (list, detail, authenticated create, 32 connections): peak RSS $(hwm "$ex") kB, now $(rss "$ex") kB"
kill "$ex"

# (2) the admin export of 1M rows
port=8094
export BENCH_PORT=$port BENCH_DB=${BENCH_DB:-/tmp/hangar-rest-bench.db}
./target/release/rest-bench & srv=$!
pids+=("$srv")
for i in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/raw/bmessage/1" >/dev/null && break; sleep 0.5; done
jar="$work/cookies"
token=$(curl -s -c "$jar" "http://127.0.0.1:$port/accounts/login/" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -w '' \
  --data-urlencode "username=root" --data-urlencode "password=root-password" \
  --data-urlencode "csrf_token=$token" "http://127.0.0.1:$port/accounts/login/"
before=$(rss "$srv")
peak=$before
curl -s -b "$jar" -o "$work/export.csv" "http://127.0.0.1:$port/admin/b_post/export/?format=csv" & dl=$!
start=$(date +%s.%N)
while kill -0 "$dl" 2>/dev/null; do
  now=$(rss "$srv"); [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.05
done
end=$(date +%s.%N)
lines=$(wc -l < "$work/export.csv")
echo "admin CSV export: $((lines - 1)) rows, $(du -k "$work/export.csv" | cut -f1) kB in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s; server RSS before $before kB, peak during $peak kB"
