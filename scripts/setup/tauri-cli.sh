#!/usr/bin/env bash
# Installs the Tauri CLI, which packages the desktop app, from npm: the
# @tauri-apps/cli package (a prebuilt native binary, in seconds) at the
# version pinned in tools.env, which package.json and package-lock.json at
# the root must name too. It is then run as `npm run tauri -- COMMAND` from
# the root. Node.js comes from Debian when it is missing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v npm >/dev/null 2>&1 || apt_install nodejs npm

pinned="$(node -p 'require(process.argv[1]).devDependencies["@tauri-apps/cli"]' "$ROOT/package.json")"
if [ "$pinned" != "$TAURI_CLI_VERSION" ]; then
  echo "package.json pins @tauri-apps/cli $pinned but tools.env has TAURI_CLI_VERSION=$TAURI_CLI_VERSION: make them agree (npm install --save-exact @tauri-apps/cli@$TAURI_CLI_VERSION)" >&2
  exit 1
fi

cli="$ROOT/node_modules/.bin/tauri"
if [ -x "$cli" ] && "$cli" --version 2>/dev/null | grep -qxF "tauri-cli $TAURI_CLI_VERSION"; then
  exit 0
fi
log "installing the Tauri CLI $TAURI_CLI_VERSION from npm (npm ci)"
(cd "$ROOT" && npm ci --no-audit --no-fund)
"$cli" --version | grep -qxF "tauri-cli $TAURI_CLI_VERSION"
