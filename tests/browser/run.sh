#!/usr/bin/env bash
# Browser tests for the Hangar admin site (headless Chromium + chromedriver).
#
#   tests/browser/run.sh                                   # builds the example first
#   HANGAR_EXAMPLE_BIN=/path/to/example tests/browser/run.sh   # uses a prebuilt binary
#
# Screenshots go to $HANGAR_SCREENSHOT_DIR (default target/browser-screenshots).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [ ! -x /usr/bin/chromedriver ]; then
    echo "run.sh: installing chromium and chromium-driver" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
fi

if [ -z "${HANGAR_EXAMPLE_BIN:-}" ]; then
    echo "run.sh: building the example (cargo build -p example)" >&2
    (cd "$repo" && cargo build -p example)
    export HANGAR_EXAMPLE_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/example"
fi

exec python3 "$here/admin_browser.py" "$@"
