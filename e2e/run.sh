#!/usr/bin/env bash
# Runs Orderboard's end-to-end tests: the real server binary and Debian's
# Chromium (driven by playwright-core, which never downloads a browser).
# Installs what is missing (chromium, node, the npm dependencies), builds the
# UI if frontend/dist is absent and the server binary, then runs the tests.
# Screenshots land in target/e2e-artifacts/; the README's pictures in
# docs/screenshots/ are rewritten with UPDATE_DOCS_SCREENSHOTS=1.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup/lib.sh"

apt_install chromium
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm

cd "$ROOT/e2e"
PINNED="$(node -p 'require("./package.json").dependencies["playwright-core"]')"
if [ "$PINNED" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  echo "e2e/package.json pins playwright-core $PINNED but tools.env says $PLAYWRIGHT_CORE_VERSION" >&2
  exit 1
fi
INSTALLED="$(node -p 'try { require("./node_modules/playwright-core/package.json").version } catch { "" }')"
# axe-core (the accessibility checks) is pinned in package.json alone.
AXE_PINNED="$(node -p 'require("./package.json").devDependencies["axe-core"]')"
AXE_INSTALLED="$(node -p 'try { require("./node_modules/axe-core/package.json").version } catch { "" }')"
if [ "$INSTALLED" != "$PLAYWRIGHT_CORE_VERSION" ] || [ "$AXE_INSTALLED" != "$AXE_PINNED" ]; then
  log "installing the e2e dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ ! -f "$ROOT/frontend/dist/index.html" ]; then
  bash "$ROOT/scripts/setup/frontend.sh"
fi

if [ -z "${ORDERBOARD_SERVER_BIN:-}" ]; then
  log "building orderboard-server"
  (cd "$ROOT" && cargo build -p orderboard-server)
  export ORDERBOARD_SERVER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/orderboard-server"
fi

log "running the browser tests"
node --test --test-concurrency=1 tests/

# The page-load benchmark's smoke run (the full run: bench/page-load.sh):
# each page loads and goes live, its scripts sent compressed.
log "page-load benchmark, smoke run"
node page_load.mjs --smoke
