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
log "installing the Tauri CLI $TAURI_CLI_VERSION from npm (npm install, from package-lock.json)"
# Not `npm ci`: it refuses a lock file that lacks the CLI's builds for
# other systems (macOS, Windows), and the lock has only those the package
# registry here serves. `npm install` installs what the lock file names,
# and must leave the lock file as it is.
lock_before="$(sha256sum "$ROOT/package-lock.json")"
(cd "$ROOT" && npm install --no-audit --no-fund)
if [ "$(sha256sum "$ROOT/package-lock.json")" != "$lock_before" ]; then
  echo "npm install changed package-lock.json: commit the new lock file, or fix package.json" >&2
  exit 1
fi
"$cli" --version | grep -qxF "tauri-cli $TAURI_CLI_VERSION"
