#!/usr/bin/env bash
# Migrations at scale (release build):
# - the time of `diff` (introspection + comparison) on a 50-model schema, on
#   SQLite and, when their URLs are set, PostgreSQL and MariaDB;
# - a SQLite rebuild of a table of ROWS rows (default 1M): time and peak
#   memory, next to the same rebuild written by hand in SQL.
#   bench/migrate.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432/test MY_URL=mysql://root@127.0.0.1:3306/test ROWS=1000000 bench/migrate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p hangar-bench --bin migrate-bench
bin=target/release/migrate-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" diff "sqlite://$work/diff.db?mode=rwc"
if [ -n "${PG_URL:-}" ]; then "$bin" diff "$PG_URL"; fi
if [ -n "${MY_URL:-}" ]; then "$bin" diff "$MY_URL"; fi
"$bin" rebuild "$work" "${ROWS:-1000000}"
