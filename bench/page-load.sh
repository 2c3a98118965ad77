#!/usr/bin/env bash
# Orderboard's page-load benchmark (e2e/page_load.mjs): the tracking page, the
# customer board and the dispatcher in Debian's Chromium, unthrottled and on
# an emulated slow mobile link, first and repeat visit. Installs what the
# browser tests need if missing (as e2e/run.sh does), builds the UI and the
# release server (which embeds it), and passes its options on:
#   bench/page-load.sh [--runs N] [--baseline BIN] [--smoke] [--json FILE]
# --baseline names another orderboard-server binary (say, one built from an
# earlier commit) to measure first, side by side.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh

apt_install chromium
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
INSTALLED="$(cd e2e && node -p 'try { require("./node_modules/playwright-core/package.json").version } catch { "" }')"
if [ "$INSTALLED" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  log "installing the e2e dependencies (npm ci)"
  (cd e2e && npm ci --no-audit --no-fund)
fi

scripts/setup/frontend.sh
log "building the release server (it embeds the UI just built)"
cargo build --release --locked -p orderboard-server
exec node e2e/page_load.mjs --server "${CARGO_TARGET_DIR:-target}/release/orderboard-server" "$@"
