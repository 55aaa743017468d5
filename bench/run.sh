#!/usr/bin/env bash
# Query layer vs hand-written sqlx: a 20-row page of messages joined to users
# filtered by user__username, and a primary-key get. Release build.
#   bench/run.sh                 # SQLite (temp file)
#   BENCH_URL=postgres://postgres@127.0.0.1:5432/test bench/run.sh
#   BENCH_SECONDS=5 bench/run.sh
#   bench/run.sh auth            # login latency, guarded vs open page
#   bench/run.sh admin           # admin list/edit page server time (100k rows)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "auth" ]; then
  cargo run --release -q -p hangar-bench --bin auth-bench
elif [ "${1:-}" = "admin" ]; then
  cargo run --release -q -p hangar-bench --bin admin-bench
else
  cargo run --release -q -p hangar-bench --bin hangar-bench -- "${BENCH_URL:-}"
fi
