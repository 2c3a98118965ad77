#!/usr/bin/env bash
# Set-up for Orderboard's desktop app (Tauri v2) on Debian 12: the WebKitGTK,
# GTK, libsoup, appindicator, rsvg and xdo development packages, and the Tauri
# CLI from npm (scripts/setup/tauri-cli.sh; run it as `npm run tauri -- ...`).
# With --test, also what the desktop tests need: Xvfb, WebKitWebDriver,
# tauri-driver and Node.js. Quick when everything is there.
#
# Usage: scripts/setup/desktop.sh [--test] [--no-cli]
#
# The icons in icons/ are generated from icons/orderboard.svg and committed;
# after changing the SVG, regenerate them with: npm run tauri -- icon icons/orderboard.svg -o icons
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

with_tests=false
with_cli=true
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=true ;;
    --no-cli) with_cli=false ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

"$ROOT/scripts/setup/base.sh"

apt_install libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev \
  libsoup-3.0-dev libxdo-dev libssl-dev file

if $with_cli; then
  "$ROOT/scripts/setup/tauri-cli.sh"
fi

if $with_tests; then
  # dbus: a private session bus for the single-instance test.
  apt_install xvfb xauth webkit2gtk-driver dbus
  command -v node >/dev/null 2>&1 || apt_install nodejs
  # tauri-driver has no --version, so cargo_tool cannot tell; ask cargo instead.
  if ! { command -v tauri-driver >/dev/null 2>&1 \
      && cargo install --list | grep -qxF "tauri-driver v$TAURI_DRIVER_VERSION:"; }; then
    log "installing tauri-driver $TAURI_DRIVER_VERSION (about a minute, once)"
    cargo install --locked tauri-driver --version "$TAURI_DRIVER_VERSION"
  fi
fi
