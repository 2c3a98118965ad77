#!/usr/bin/env bash
# A second start of Orderboard must show the running app instead of opening
# the same database twice (tauri-plugin-single-instance, which speaks D-Bus).
# Run inside a display and a session bus, e.g.:
#   dbus-run-session -- xvfb-run -a e2e-desktop/single-instance.sh BIN ARTIFACTS
set -euo pipefail
bin="$1"
artifacts="$2"
scratch="$(mktemp -d)"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export XDG_DATA_HOME="$scratch" ORDERBOARD_PORT="$port"
health="http://127.0.0.1:$port/api/health"

"$bin" > "$artifacts/single-instance-first.log" 2>&1 &
first=$!
cleanup() { kill "$first" 2>/dev/null || true; wait "$first" 2>/dev/null || true; rm -rf "$scratch"; }
trap cleanup EXIT

up=false
for _ in $(seq 1 120); do
  if curl -fsS "$health" >/dev/null 2>&1; then up=true; break; fi
  sleep 0.5
done
$up || { echo "the first instance did not start; see $artifacts/single-instance-first.log" >&2; exit 1; }

# The second start hands over to the first and ends by itself.
status=0
timeout 60 "$bin" > "$artifacts/single-instance-second.log" 2>&1 || status=$?
[ "$status" -ne 124 ] || { echo "the second instance kept running: it should have handed over and quit" >&2; exit 1; }
kill -0 "$first" 2>/dev/null || { echo "the first instance died when the second started" >&2; exit 1; }
curl -fsS "$health" >/dev/null || { echo "the first instance stopped serving" >&2; exit 1; }
for _ in $(seq 1 20); do
  grep -q "started again" "$artifacts/single-instance-first.log" && break
  sleep 0.5
done
grep -q "started again" "$artifacts/single-instance-first.log" \
  || { echo "the first instance was not told of the second start" >&2; exit 1; }
if grep -q "listening on" "$artifacts/single-instance-second.log"; then
  echo "the second instance started a server of its own" >&2; exit 1
fi
echo "single instance: the second start (exit status $status) showed the running app and opened nothing itself"
