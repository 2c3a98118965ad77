#!/usr/bin/env bash
# Runs Orderboard's benchmark harness: installs nginx + Nchan if missing,
# builds the release binaries, and passes its options on to orderboard-bench.
# The multinode scenario (part of the full run) needs PostgreSQL: given no
# --database-url and no ORDERBOARD_TEST_DATABASE_URL, the harness runs under
# scripts/with-postgres, a throwaway cluster that also records commit times
# (to time deliveries from the commit). The smoke run never starts one: it
# runs the multinode scenario only when PostgreSQL is already at hand.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh
scripts/setup/base.sh

# Whether one of the arguments after the first matches the first (a grep pattern).
args_have() {
  local pattern="$1"
  shift
  printf '%s\n' "$@" | grep -q -- "$pattern"
}

# Nchan only for the fan-out scenario, which the full run includes.
if ! args_have '--no-nchan\|--smoke' "$@" \
  && { ! args_have '^--scenarios' "$@" || args_have 'fanout' "$@"; }; then
  if [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
    # Without leaving Debian's nginx running: see scripts/setup/nginx.sh.
    scripts/setup/nginx.sh libnginx-mod-nchan
  fi
fi
log "building the release server and the harness"
# Built apart, the server is the very build the server package makes
# (cargo deb builds -p orderboard-server alone), so the test command
# compiles it once; built together, the harness's dependencies would change
# the server's features and make it a different build.
cargo build --release --locked -p orderboard-server
cargo build --release --locked -p orderboard-bench
bench="${CARGO_TARGET_DIR:-target}/release/orderboard-bench"

wants_postgres=no
if ! args_have '^--smoke$\|^--help$\|^-h$' "$@"; then
  # The full run includes the multinode scenario; a chosen list may not.
  if ! args_have '^--scenarios' "$@" || args_have 'multinode' "$@"; then
    wants_postgres=yes
  fi
fi
if [ "$wants_postgres" = yes ] && [ -z "${ORDERBOARD_TEST_DATABASE_URL:-}" ] \
  && ! args_have '^--database-url' "$@"; then
  log "the multinode scenario: on a throwaway PostgreSQL (scripts/with-postgres)"
  ORDERBOARD_TEST_PG_SETTINGS="track_commit_timestamp = on" \
    exec scripts/with-postgres "$bench" "$@"
fi
exec "$bench" "$@"
