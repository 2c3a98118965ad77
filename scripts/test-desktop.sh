#!/usr/bin/env bash
# Orderboard's desktop tests: builds the desktop crate, runs its unit tests
# (embedded server, settings, customer pages, capabilities), then the
# end-to-end test of the real app under Xvfb through tauri-driver and
# WebKitWebDriver. Screenshots and the app's log go to target/desktop-artifacts/.
#
# Usage: scripts/test-desktop.sh
#   ORDERBOARD_UI_BUILT=1  skips building the web UI (frontend/dist is current)
#   ORDERBOARD_TEST_DEB=1  also builds the .deb with `cargo tauri build` and
#                          checks that it installs and its binary starts (slow:
#                          a release build and the Tauri CLI).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh

test_deb="${ORDERBOARD_TEST_DEB:-0}"
if [ "$test_deb" = 1 ]; then
  scripts/setup/desktop.sh --test
else
  scripts/setup/desktop.sh --test --no-cli
fi

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

if [ "$test_deb" = 1 ]; then
  log "desktop: cargo tauri build (the .deb), install it, start it"
  cargo tauri build --bundles deb
  deb="$(ls -t "$target_dir"/release/bundle/deb/*.deb | head -n 1)"
  dpkg -i "$deb"
  installed="$(dpkg -L orderboard | grep -m1 '^/usr/bin/')"
  scratch="$(mktemp -d)"
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  XDG_DATA_HOME="$scratch" ORDERBOARD_PORT="$port" \
    xvfb-run --auto-servernum "$installed" > target/desktop-artifacts/installed-app.log 2>&1 &
  app_pid=$!
  started=false
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then started=true; break; fi
    sleep 0.5
  done
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  rm -rf "$scratch"
  $started || { echo "the installed app ($installed) did not start; see target/desktop-artifacts/installed-app.log" >&2; exit 1; }
  log "desktop: $deb installs and $installed starts"
fi

log "desktop: all tests passed (artifacts in target/desktop-artifacts/)"
