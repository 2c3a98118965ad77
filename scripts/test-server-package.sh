#!/usr/bin/env bash
# Tests the orderboard-server Debian package as a restaurant's IT person gets
# it: builds it (cargo deb), checks what is in it, installs it with dpkg, and
# runs its systemd units the way systemd would (scripts/run-systemd-unit: the
# unit's own ExecStart, user, settings file and data folder, read from the
# installed unit; this machine runs no systemd). Then: health and version, an
# order kept across a clean restart and across a crash, PostgreSQL through
# the same settings file (orderboard.service and an orderboard@PORT node on
# one database), removal (the data and settings stay) and purge.
#
# Needs a PostgreSQL: run it under scripts/with-postgres. It refuses to run
# where orderboard-server is installed or /var/lib/orderboard exists (a real
# server's data), and leaves the machine as it found it.
#
# Usage: scripts/with-postgres scripts/test-server-package.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh
scripts/setup/packaging.sh

: "${ORDERBOARD_TEST_DATABASE_URL:?run this under scripts/with-postgres}"
unit_dir=/usr/lib/systemd/system
settings=/etc/default/orderboard
data=/var/lib/orderboard
artifacts=target/server-package-artifacts
rm -rf "$artifacts"
mkdir -p "$artifacts"

fail() { echo "server package: $*" >&2; exit 1; }
check() { local what="$1"; shift; "$@" || fail "$what"; }

if dpkg-query -W -f='${Status}' orderboard-server 2>/dev/null | grep -q "ok installed"; then
  fail "orderboard-server is installed on this machine; this test installs and removes it, so it will not run here"
fi
[ ! -e "$data" ] || fail "$data exists (a server's data?); this test will not touch it"
user_existed=false
getent passwd orderboard >/dev/null && user_existed=true

server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do
    # Only a server this test started that still runs.
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/bin/orderboard-server ] && kill -9 "$pid"
  done
  if dpkg-query -W -f='${Status}' orderboard-server 2>/dev/null | grep -q "installed"; then
    dpkg -P orderboard-server >/dev/null 2>&1 || true
  fi
  rm -rf "$data"
  $user_existed || deluser --system --quiet orderboard >/dev/null 2>&1 || true
}
trap cleanup EXIT

version="$(cargo pkgid -p orderboard-server | sed 's/.*[@#]//')"

log "server package: cargo deb -p orderboard-server (the release build)"
started=$SECONDS
deb="$(cargo deb --locked -p orderboard-server | tail -n 1)"
log "server package: built $deb in $((SECONDS - started)) s ($(du -h "$deb" | cut -f1))"

log "server package: what is in it"
check "package name" test "$(dpkg-deb -f "$deb" Package)" = orderboard-server
check "package version $(dpkg-deb -f "$deb" Version), workspace $version" test "$(dpkg-deb -f "$deb" Version)" = "$version"
check "it depends on adduser (its postinst makes the user)" grep -q adduser <<<"$(dpkg-deb -f "$deb" Depends)"
contents="$(dpkg-deb -c "$deb" | awk '{print $1, $6}')"
for path in ./usr/bin/orderboard-server ".$unit_dir/orderboard.service" ".$unit_dir/orderboard@.service" \
  ".$settings" ./usr/share/doc/orderboard-server/README.md ./usr/share/doc/orderboard-server/CHANGELOG.md; do
  check "the package holds $path" grep -q " ${path}$" <<<"$contents"
done
check "$settings is readable by root only (it may hold secrets)" grep -q "^-rw------- .$settings$" <<<"$contents"
control="$(mktemp -d)"
dpkg-deb -e "$deb" "$control"
check "$settings is a conffile (kept on removal and upgrades)" grep -qxF "$settings" "$control/conffiles"
rm -rf "$control"

# The two units are one service with two ways to listen: any other
# difference is drift.
normalized() { grep -v -e '^#' -e '^$' -e '^Description=' "$1" | sed 's| --listen 127.0.0.1:%i$||'; }
check "orderboard.service and orderboard@.service differ only in Description and --listen" \
  diff <(normalized deploy/systemd/orderboard.service) <(normalized deploy/systemd/orderboard@.service)

log "server package: dpkg -i"
dpkg -i "$deb" >"$artifacts/dpkg-install.log" 2>&1 || { cat "$artifacts/dpkg-install.log" >&2; fail "dpkg -i"; }
check "orderboard-server is on the PATH at /usr/bin" test "$(command -v orderboard-server)" = /usr/bin/orderboard-server
check "orderboard-server --version says $version" test "$(orderboard-server --version)" = "orderboard-server $version"
check "a system user orderboard" test "$(getent passwd orderboard | cut -d: -f7)" = /usr/sbin/nologin
check "$data belongs to orderboard, mode 750" test "$(stat -c '%U:%G %a' "$data")" = "orderboard:orderboard 750"
check "$settings: root only" test "$(stat -c '%U %a' "$settings")" = "root 600"
check "orderboard.service is enabled (starts at boot)" test -L /etc/systemd/system/multi-user.target.wants/orderboard.service
if command -v systemd-analyze >/dev/null 2>&1; then
  for unit in orderboard.service orderboard@.service; do
    # Checks that every option parses and that the binary is there.
    systemd-analyze verify "$unit_dir/$unit" >"$artifacts/verify-$unit.log" 2>&1 \
      || { cat "$artifacts/verify-$unit.log" >&2; fail "systemd-analyze verify $unit"; }
  done
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# set_setting NAME VALUE: what the IT person does in /etc/default/orderboard.
set_setting() {
  if grep -q "^#\?$1=" "$settings"; then
    sed -i "s|^#\?$1=.*|$1=$2|" "$settings"
  else
    echo "$1=$2" >>"$settings"
  fi
}
unset_setting() { sed -i "s|^$1=|#$1=|" "$settings"; }

# start UNIT [INSTANCE] PORT NAME: runs the unit, waits for its health.
start() {
  local unit="$1" instance="$2" port="$3" name="$4"
  scripts/run-systemd-unit "$unit_dir/$unit" "$instance" >>"$artifacts/$name.log" 2>&1 &
  server_pid=$!
  server_pids+=("$server_pid")
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$artifacts/$name.log" >&2; fail "$unit did not start"; }
    sleep 0.2
  done
  cat "$artifacts/$name.log" >&2
  fail "$unit did not answer on port $port"
}
# stop PID: SIGTERM (the unit's KillSignal), then the exit status must be 0.
stop() {
  local pid="$1" status=0
  kill -TERM "$pid"
  wait "$pid" || status=$?
  check "a clean stop on SIGTERM (exit status $status)" test "$status" = 0
}
api() { curl -fsS "$@"; }
no_colours() { ! grep -q $'\e\\[' "$1"; }
create_order() {
  api "http://127.0.0.1:$1/api/orders" -H 'content-type: application/json' "${@:3}" \
    -d "{\"customer\": \"$2\", \"channel\": \"pickup\", \"items\": [{\"name\": \"Mint tea\", \"qty\": 1}]}" >/dev/null
}
has_customer() { api "http://127.0.0.1:$1/api/orders" "${@:3}" | grep -q "\"customer\":\"$2\""; }

log "server package: orderboard.service on SQLite, as installed (only the port changed)"
port="$(free_port)"
set_setting ORDERBOARD_LISTEN "127.0.0.1:$port"
start orderboard.service "" "$port" sqlite
health="$(api "http://127.0.0.1:$port/api/health")"
check "health: ok, version $version ($health)" grep -q "\"status\":\"ok\",\"version\":\"$version\"" <<<"$health"
check "the database is in $data, the service's own" test "$(stat -c %U "$data/orderboard.db")" = orderboard
check "the server runs as orderboard" test "$(ps -o user= -p "$server_pid")" = orderboard
create_order "$port" Grace
stop "$server_pid"
check "the log says the server stopped" grep -q "stopped" "$artifacts/sqlite.log"
check "no terminal colours in the log (it goes to the journal)" no_colours "$artifacts/sqlite.log"

start orderboard.service "" "$port" sqlite
check "the order is kept across a restart" has_customer "$port" Grace
create_order "$port" Linus
# Restart=on-failure: after a crash systemd starts it again; no
# acknowledged change may be lost.
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
start orderboard.service "" "$port" sqlite
check "both orders are kept across a crash" has_customer "$port" Linus
check "both orders are kept across a crash" has_customer "$port" Grace
stop "$server_pid"

log "server package: PostgreSQL through the same settings file: orderboard.service and a node orderboard@PORT"
passphrase="package test passphrase"
unset_setting ORDERBOARD_DB
set_setting ORDERBOARD_DATABASE_URL "$ORDERBOARD_TEST_DATABASE_URL"
set_setting ORDERBOARD_STAFF_PASSPHRASE "'$passphrase'"
start orderboard.service "" "$port" postgres
main_pid=$server_pid
node_port="$(free_port)"
start orderboard@.service "$node_port" "$node_port" postgres-node
node_pid=$server_pid
cookie="$(curl -fsS -o /dev/null -D - "http://127.0.0.1:$port/api/session" -H 'content-type: application/json' \
  -d "{\"passphrase\": \"$passphrase\"}" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')"
[ -n "$cookie" ] || fail "signing in with the passphrase from $settings"
create_order "$port" Ada -b "$cookie"
check "the node on port $node_port sees the order made on port $port" has_customer "$node_port" Ada -b "$cookie"
stop "$main_pid"
start orderboard.service "" "$port" postgres
check "the order is kept across a restart on PostgreSQL" has_customer "$port" Ada -b "$cookie"
stop "$server_pid"
stop "$node_pid"
check "the SQLite database was left alone" test -f "$data/orderboard.db"

log "server package: dpkg -r keeps the data and the settings, dpkg -P the data"
dpkg -r orderboard-server >"$artifacts/dpkg-remove.log" 2>&1 || { cat "$artifacts/dpkg-remove.log" >&2; fail "dpkg -r"; }
check "the binary is gone" test ! -e /usr/bin/orderboard-server
check "the units are gone" test ! -e "$unit_dir/orderboard.service" -a ! -e "$unit_dir/orderboard@.service"
check "the database is kept" test -s "$data/orderboard.db"
check "the settings are kept" grep -q "^ORDERBOARD_STAFF_PASSPHRASE=" "$settings"
dpkg -P orderboard-server >"$artifacts/dpkg-purge.log" 2>&1 || { cat "$artifacts/dpkg-purge.log" >&2; fail "dpkg -P"; }
check "purge removes the settings" test ! -e "$settings"
check "purge keeps the database (delete $data by hand)" test -s "$data/orderboard.db"

log "server package: all checks passed ($deb)"
