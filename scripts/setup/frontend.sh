#!/usr/bin/env bash
# Builds Orderboard's UI (frontend/) into frontend/dist, which the server
# serves (and embeds in release builds): the whole UI (index.html) into dist/,
# then the customer's build (customer.html: the board and the tracking page)
# into dist/customer/. Installs what the build needs first, once: the wasm32
# target, Trunk (version from tools.env), wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock, and Debian's brotli (the
# precompressed copies, frontend/precompress.sh). Trunk never downloads
# anything itself (offline mode, wasm-opt off: see frontend/Trunk.toml).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v cargo >/dev/null || { echo "Orderboard needs a Rust toolchain (rustup)"; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

cargo_tool trunk "$TRUNK_VERSION" trunk

# The wasm-bindgen version Cargo.lock resolved; the CLI must match it exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "no wasm-bindgen in Cargo.lock"; exit 1; }
cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli

PINNED="$(sed -n 's/^wasm_bindgen = "\(.*\)"/\1/p' "$ROOT/frontend/Trunk.toml")"
if [ "$PINNED" != "$WASM_BINDGEN_VERSION" ]; then
  echo "frontend/Trunk.toml pins wasm-bindgen $PINNED but Cargo.lock has $WASM_BINDGEN_VERSION: update [tools] wasm_bindgen" >&2
  exit 1
fi

apt_install brotli gzip

log "building the UI (trunk build --release: the whole UI, then the customer's)"
cd "$ROOT/frontend"
trunk build --release
# After the whole UI: Trunk empties dist/ before it writes a build there.
trunk build --dist dist/customer --public-url /customer/ --release true customer.html
