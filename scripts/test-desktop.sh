#!/usr/bin/env bash
# Orderboard's desktop tests: builds the desktop crate, runs its unit tests
# (embedded server, settings, customer pages, capabilities), then the
# end-to-end test of the real app under Xvfb through tauri-driver and
# WebKitWebDriver. Screenshots and the app's log go to target/desktop-artifacts/.
# The installers are tested by scripts/test-desktop-package.sh.
#
# Usage: scripts/test-desktop.sh
#   ORDERBOARD_UI_BUILT=1  skips building the web UI (frontend/dist is current)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh

scripts/setup/desktop.sh --test --no-cli

# The desktop app serves the web UI from the embedded server: build it first,
# unless the caller just did (scripts/test sets ORDERBOARD_UI_BUILT=1 then).
if [ "${ORDERBOARD_UI_BUILT:-0}" != 1 ] && [ -x scripts/setup/frontend.sh ]; then
  scripts/setup/frontend.sh
fi

log "desktop: building the app (cargo build -p orderboard)"
cargo build --locked -p orderboard

log "desktop: unit tests"
cargo test --locked -p orderboard

log "desktop: end-to-end test of the real app under Xvfb, through tauri-driver and WebKitWebDriver"
rm -rf target/desktop-artifacts
mkdir -p target/desktop-artifacts
target_dir="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
ORDERBOARD_DESKTOP_BIN="$target_dir/debug/orderboard" \
  xvfb-run --auto-servernum --server-args="-screen 0 1600x1000x24" \
  node --test --test-concurrency=1 e2e-desktop/desktop.test.mjs

log "desktop: a second start shows the running app (single instance, over a private D-Bus session)"
dbus-run-session -- xvfb-run --auto-servernum --server-args="-screen 0 1600x1000x24" \
  e2e-desktop/single-instance.sh "$target_dir/debug/orderboard" target/desktop-artifacts

log "desktop: all tests passed (artifacts in target/desktop-artifacts/)"
