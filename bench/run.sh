#!/usr/bin/env bash
# Runs Orderboard's benchmark harness: installs nginx + Nchan if missing,
# builds the release binaries, and passes its options on to orderboard-bench.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh
scripts/setup/base.sh

if ! printf '%s\n' "$@" | grep -q -- '--no-nchan\|--smoke'; then
  if [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
    # Without leaving Debian's nginx running: see scripts/setup/nginx.sh.
    scripts/setup/nginx.sh libnginx-mod-nchan
  fi
fi
log "building the release server and the harness"
cargo build --release --locked -p orderboard-server -p orderboard-bench
exec "${CARGO_TARGET_DIR:-target}/release/orderboard-bench" "$@"
