#!/usr/bin/env bash
# Query layer vs hand-written sqlx: a 20-row page of messages joined to users
# filtered by user__username, and a primary-key get. Release build.
#   bench/run.sh                 # SQLite (temp file)
#   BENCH_URL=postgres://postgres@127.0.0.1:5432/test bench/run.sh
#   BENCH_SECONDS=5 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -p hangar-bench -- "${BENCH_URL:-}"
