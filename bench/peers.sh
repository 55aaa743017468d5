#!/usr/bin/env bash
# The peers kit (../shared/peers-bench: flask-peewee's URLs over a
# peewee-made database) for Hangar against both hand-written baselines in
# one sitting: the kit's own (Rocket + rocket_db_pools 0.1 -> sqlx 0.7) and
# bench/peers/rust_sqlx09 (the same handlers on sqlx 0.9, Hangar's sqlx).
# The kit stays untouched: it is copied to a scratch folder, where the
# second baseline joins its systems as `rust_sqlx09`.
#   bench/peers.sh [sqlite|postgres|all]       (default: all)
#   RUNS=3 DURATION=8 bench/peers.sh all       # the kit's knobs pass through
# Results: $RESULTS_DIR (default /tmp/peers-results), one .md and .json per db.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
KIT="${PEERS_KIT:-$HERE/../../shared/peers-bench}"
export BENCH_ROOT="${BENCH_ROOT:-/tmp/bench-peers}"
COPY="$BENCH_ROOT/kit"
rm -rf "$COPY" && mkdir -p "$BENCH_ROOT" && cp -r "$KIT" "$COPY"
CARGO_TARGET_DIR="$BENCH_ROOT/target09" cargo build --release -q \
  --manifest-path "$HERE/peers/rust_sqlx09/Cargo.toml"
export BENCH_RUST09_BIN="$BENCH_ROOT/target09/release/peers_rust_sqlx09"
# the kit's hangar_app takes Hangar's default features (SQLite only since
# Cargo features came): it also needs the PostgreSQL driver
sed -i 's#^hangar = { path = "@HANGAR_SRC@" }$#hangar = { path = "@HANGAR_SRC@", features = ["postgres"] }#' \
  "$COPY/hangar_app/Cargo.toml.in"
grep -q 'features = \["postgres"\]' "$COPY/hangar_app/Cargo.toml.in"
python3 - "$COPY/bench.py" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
anchor = '        "rust_peewee_sql": {'
spec = '''        "rust_sqlx09": {
            "port": 8007, "list_key": "objects",
            "cmd": [os.environ["BENCH_RUST09_BIN"]],
            "env": dict(env_db, ROCKET_ADDRESS="127.0.0.1", ROCKET_PORT="8007"),
            "desc": "the Rust baseline's handlers on sqlx 0.9 (pool as Rocket state), release build",
        },
'''
assert anchor in s, "the kit's bench.py changed: add rust_sqlx09 by hand"
open(p, "w").write(s.replace(anchor, spec + anchor, 1))
PY
export HANGAR_SRC="${HANGAR_SRC:-$(cd "$HERE/.." && pwd)}"
export SYSTEMS="${SYSTEMS:-rust,rust_sqlx09,hangar}" PG_SYSTEMS="${PG_SYSTEMS:-rust,rust_sqlx09,hangar}"
export RESULTS_DIR="${RESULTS_DIR:-/tmp/peers-results}" PG_PORT="${PG_PORT:-5434}"
exec "$COPY/run_all.sh" "${1:-all}"
