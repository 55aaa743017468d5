#!/usr/bin/env bash
# Fuzzes Hangar's parsers with cargo-fuzz (libFuzzer): every target in
# fuzz/ runs SECONDS (default 60) from its committed seeds (fuzz/seeds/),
# on a scratch copy of the corpus, so nothing here changes the checkout.
# Prints executions, corpus size and coverage per target; a crash stops the
# run with its input under fuzz/artifacts/<target>/ (make it a regression
# test, then add it to fuzz/seeds/<target>/).
#   bench/fuzz.sh            # 60 s per target
#   bench/fuzz.sh 10         # CI's short run
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz passes -Z flags; the machine's one toolchain is stable
export RUSTC_BOOTSTRAP=1
# no sanitizer: the crate forbids unsafe code, and the build stays quick
cargo fuzz build -s none
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-16s %12s %10s %8s %8s %s\n' target executions exec/s corpus cov result
status=0
for t in $(cargo fuzz list); do
  mkdir -p "$work/$t"
  cp seeds/"$t"/* "$work/$t/"
  log="$work/$t.log"
  if cargo fuzz run -s none "$t" "$work/$t" -- -max_total_time="$secs" -print_final_stats=1 \
      -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  corpus=$(ls "$work/$t" | wc -l)
  printf '%-16s %12s %10s %8s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "${cov:-?}" "$result"
  if [ "$result" = CRASH ]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20
  fi
done
exit "$status"
