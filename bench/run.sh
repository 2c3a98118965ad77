#!/usr/bin/env bash
# Runs Orderboard's benchmark harness: installs nginx + Nchan if missing,
# builds the release binaries, and passes its options on to orderboard-bench.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh
scripts/setup/base.sh

# Installs nginx and Nchan without leaving Debian's nginx running. The package
# starts its own nginx (on port 80) when it is installed, and the harness runs
# a copy of its own. So a policy-rc.d that refuses to start any service is in
# place for the install (one that is there already, as in Docker images, is
# left as it is), and no nginx is stopped by name: one this machine already
# runs is never touched. Should the install start its nginx all the same (a
# policy-rc.d that allows it), that one is stopped, by the pid it wrote to
# /run/nginx.pid, and only if no nginx was running from that pid file before.
install_nchan() {
  local sudo="" policy=/usr/sbin/policy-rc.d pidfile=/run/nginx.pid
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  local before=""
  before="$($sudo cat "$pidfile" 2>/dev/null || true)"
  if [ -n "$before" ] && ! $sudo kill -0 "$before" 2>/dev/null; then
    before="" # a stale pid file
  fi
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Orderboard bench/run.sh, while it installs nginx: start no service.\nexit 101\n' \
      | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    # shellcheck disable=SC2064 # expanded now, on purpose
    trap "$sudo rm -f '$policy'" EXIT
    apt_install nginx-light libnginx-mod-nchan
    $sudo rm -f "$policy"
    trap - EXIT
  else
    apt_install nginx-light libnginx-mod-nchan
  fi
  local started=""
  started="$($sudo cat "$pidfile" 2>/dev/null || true)"
  if [ -z "$before" ] && [ -n "$started" ] \
    && [ "$($sudo readlink "/proc/$started/exe" 2>/dev/null)" = /usr/sbin/nginx ]; then
    log "stopping the nginx that installing the package started (pid $started)"
    $sudo kill -QUIT "$started"
  fi
}

if ! printf '%s\n' "$@" | grep -q -- '--no-nchan\|--smoke'; then
  if [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
    install_nchan
  fi
fi
log "building the release server and the harness"
cargo build --release --locked -p orderboard-server -p orderboard-bench
exec "${CARGO_TARGET_DIR:-target}/release/orderboard-bench" "$@"
