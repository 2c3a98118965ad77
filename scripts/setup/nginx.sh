#!/usr/bin/env bash
# Installs Debian's nginx (nginx-light), which the API tests run Orderboard
# behind (with deploy/nginx/orderboard.conf), and any further Debian
# packages named on the command line (bench/run.sh adds Nchan).
# Usage: scripts/setup/nginx.sh [PACKAGE...]
#
# Without leaving Debian's nginx running. The package starts its own nginx
# (on port 80) when it is installed, and the tests and the benchmark run
# copies of their own. So a policy-rc.d that refuses to start any service is
# in place for the install (one that is there already, as in Docker images,
# is left as it is), and no nginx is stopped by name: one this machine
# already runs is never touched. Should the install start its nginx all the
# same (a policy-rc.d that allows it), that one is stopped, by the pid it
# wrote to /run/nginx.pid, and only if no nginx was running from that pid
# file before.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

packages=(nginx-light "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

sudo="" policy=/usr/sbin/policy-rc.d pidfile=/run/nginx.pid
[ "$(id -u)" -eq 0 ] || sudo="sudo"
before="$($sudo cat "$pidfile" 2>/dev/null || true)"
if [ -n "$before" ] && ! $sudo kill -0 "$before" 2>/dev/null; then
  before="" # a stale pid file
fi
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# Orderboard scripts/setup/nginx.sh, while it installs nginx: start no service.\nexit 101\n' \
    | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  # shellcheck disable=SC2064 # expanded now, on purpose
  trap "$sudo rm -f '$policy'" EXIT
  apt_install "${missing[@]}"
  $sudo rm -f "$policy"
  trap - EXIT
else
  apt_install "${missing[@]}"
fi
started="$($sudo cat "$pidfile" 2>/dev/null || true)"
if [ -z "$before" ] && [ -n "$started" ] \
  && [ "$($sudo readlink "/proc/$started/exe" 2>/dev/null)" = /usr/sbin/nginx ]; then
  log "stopping the nginx that installing the package started (pid $started)"
  $sudo kill -QUIT "$started"
fi
