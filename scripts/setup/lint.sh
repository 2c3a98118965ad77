#!/usr/bin/env bash
# Set-up for Orderboard's lint gates (run by scripts/test): rustfmt and clippy,
# and the wasm32 target, so that the UI's browser-only code
# (cfg(target_arch = "wasm32")) is linted as Trunk builds it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v rustup >/dev/null || { echo "Orderboard needs a Rust toolchain (rustup)"; exit 1; }

installed="$(rustup component list --installed 2>/dev/null)"
for component in rustfmt clippy; do
  if ! grep -q "^$component\(-\|$\)" <<<"$installed"; then
    log "adding the $component component"
    rustup component add "$component"
  fi
done

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
