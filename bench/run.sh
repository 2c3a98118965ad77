#!/usr/bin/env bash
# Runs Orderboard's benchmark harness: installs nginx + Nchan if missing,
# builds the release binaries, and passes its options on to orderboard-bench.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh
scripts/setup/base.sh
if ! printf '%s\n' "$@" | grep -q -- '--no-nchan\|--smoke'; then
  # Debian starts nginx when it installs it; the harness runs its own copy.
  if [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
    apt_install nginx-light libnginx-mod-nchan
    pkill -x nginx 2>/dev/null || true
  fi
fi
log "building the release server and the harness"
cargo build --release --locked -p orderboard-server -p orderboard-bench
exec "${CARGO_TARGET_DIR:-target}/release/orderboard-bench" "$@"
