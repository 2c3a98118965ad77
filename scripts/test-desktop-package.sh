#!/usr/bin/env bash
# Tests the desktop app's installers as a user gets them: builds the .deb and
# the .rpm with the Tauri CLI (from npm), checks what is in them, installs the
# .deb with dpkg, checks the desktop entry, its icon in every size and the
# command on the PATH, starts the installed app under Xvfb
# (e2e-desktop/installed-app.test.mjs: the dispatcher window, the server, the
# database in the user's data folder, a screenshot, a clean quit), then
# removes it with dpkg -r, which must leave the user's data.
# Artifacts (screenshot, logs) go to target/desktop-artifacts/.
#
# It refuses to run where the orderboard package is installed already, and
# removes what it installed.
#
# Usage: scripts/test-desktop-package.sh
#   ORDERBOARD_UI_BUILT=1  skips building the web UI (frontend/dist is current)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup/lib.sh
scripts/setup/packaging.sh

fail() { echo "desktop package: $*" >&2; exit 1; }
check() { local what="$1"; shift; "$@" || fail "$what"; }

if dpkg-query -W -f='${Status}' orderboard 2>/dev/null | grep -q "ok installed"; then
  fail "the orderboard package is installed on this machine; this test installs and removes it, so it will not run here"
fi

artifacts=target/desktop-artifacts
mkdir -p "$artifacts"
version="$(cargo pkgid -p orderboard | sed 's/.*[@#]//')"
target_dir="$(cargo metadata --format-version 1 --no-deps | node -p 'JSON.parse(require("fs").readFileSync(0)).target_directory')"
data_home="$(mktemp -d /tmp/orderboard-installed-data.XXXXXX)"
cleanup() {
  if dpkg-query -W -f='${Status}' orderboard 2>/dev/null | grep -q "installed"; then
    dpkg -P orderboard >/dev/null 2>&1 || true
  fi
  rm -rf "$data_home"
}
trap cleanup EXIT

build_args=(build --ci --bundles deb,rpm)
if [ "${ORDERBOARD_UI_BUILT:-0}" = 1 ]; then
  # The UI was just built: skip tauri.conf.json's beforeBuildCommand.
  build_args+=(--config '{"build": {"beforeBuildCommand": null}}')
fi
log "desktop package: npm run tauri -- ${build_args[*]} (the release build)"
started=$SECONDS
npm run --silent tauri -- "${build_args[@]}"
log "desktop package: built in $((SECONDS - started)) s"
deb="$target_dir/release/bundle/deb/Orderboard_${version}_amd64.deb"
rpm="$target_dir/release/bundle/rpm/Orderboard-${version}-1.x86_64.rpm"
check "the .deb $deb" test -f "$deb"
check "the .rpm $rpm" test -f "$rpm"
log "desktop package: $(du -h "$deb" | cut -f1) .deb, $(du -h "$rpm" | cut -f1) .rpm"

log "desktop package: what is in them"
check "package name" test "$(dpkg-deb -f "$deb" Package)" = orderboard
check "the .deb's version $(dpkg-deb -f "$deb" Version) is the workspace's $version" test "$(dpkg-deb -f "$deb" Version)" = "$version"
check "the .rpm's version is the workspace's $version" test "$(rpm -qp --qf '%{VERSION}' "$rpm" 2>/dev/null)" = "$version"
deb_files="$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed -E 's|^\.?/?|/|' | sort)"
rpm_files="$(rpm -qlp "$rpm" 2>/dev/null | sort)"
check "the .deb and the .rpm install the same files" diff <(echo "$deb_files") <(echo "$rpm_files")

# Every PNG the app's icon comes in (tauri.conf.json), by its real size.
icon_sizes="$(node -p 'require("./tauri.conf.json").bundle.icon.filter((i) => i.endsWith(".png")).join("\n")' \
  | while read -r png; do file -b "$png" | sed -n 's/.* \([0-9]*\) x \([0-9]*\),.*/\1x\2/p'; done | sort -u)"
[ -n "$icon_sizes" ] || fail "no PNG icons in tauri.conf.json"

log "desktop package: dpkg -i"
dpkg -i "$deb" >"$artifacts/dpkg-install.log" 2>&1 || { cat "$artifacts/dpkg-install.log" >&2; fail "dpkg -i"; }

entry=/usr/share/applications/Orderboard.desktop
check "the desktop entry $entry" test -f "$entry"
desktop-file-validate "$entry" || fail "desktop-file-validate $entry"
entry_value() { sed -n "s/^$1=//p" "$entry" | head -n 1; }
check "the entry's name" test "$(entry_value Name)" = Orderboard
exec_command="$(entry_value Exec | awk '{print $1}')"
app="$(command -v "$exec_command")" || fail "the entry's command $exec_command is not on the PATH"
check "the entry starts /usr/bin/orderboard ($app)" test "$app" = /usr/bin/orderboard
check "orderboard --version says $version" test "$("$app" --version)" = "orderboard $version"
icon="$(entry_value Icon)"
for size in $icon_sizes; do
  # The hicolor theme holds each size in its own folder (256x256@2 for a
  # 128x128@2x picture); each file must be the size its folder says.
  found=false
  for png in /usr/share/icons/hicolor/"$size"*/apps/"$icon".png; do
    [ -f "$png" ] || continue
    folder="$(basename "$(dirname "$(dirname "$png")")")"
    real="$(file -b "$png" | sed -n 's/.* \([0-9]*\) x \([0-9]*\),.*/\1x\2/p')"
    check "$png is ${folder%@*} (it is $real)" test "$real" = "${folder%@*}"
    found=true
  done
  $found || fail "no $size icon named $icon in /usr/share/icons/hicolor"
done
check "the scalable icon, for every other size" test -s "/usr/share/icons/hicolor/scalable/apps/$icon.svg"
log "desktop package: icon $icon in $(echo $icon_sizes) and scalable"

log "desktop package: the installed app under Xvfb (tauri-driver, then a direct start and SIGTERM)"
ORDERBOARD_INSTALLED_APP="$app" ORDERBOARD_INSTALLED_DATA_HOME="$data_home" ORDERBOARD_VERSION="$version" \
  ORDERBOARD_DESKTOP_ARTIFACTS="$PWD/$artifacts" \
  xvfb-run --auto-servernum --server-args="-screen 0 1600x1000x24" \
  node --test --test-concurrency=1 e2e-desktop/installed-app.test.mjs

log "desktop package: dpkg -r"
identifier="$(node -p 'require("./tauri.conf.json").identifier')"
dpkg -r orderboard >"$artifacts/dpkg-remove.log" 2>&1 || { cat "$artifacts/dpkg-remove.log" >&2; fail "dpkg -r"; }
check "the command is gone" test ! -e /usr/bin/orderboard
check "the desktop entry is gone" test ! -e "$entry"
check "the icons are gone" bash -c "! ls /usr/share/icons/hicolor/*/apps/$icon.png >/dev/null 2>&1"
check "the user's data is kept" test -s "$data_home/$identifier/orderboard.db"

log "desktop package: all checks passed (screenshot: $artifacts/installed-app-dispatcher.png)"
