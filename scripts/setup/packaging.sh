#!/usr/bin/env bash
# Set-up for building and checking Orderboard's packages: everything the
# desktop app's build and tests need, with the Tauri CLI (desktop.sh), and
# cargo-deb for the server's .deb (version from tools.env). Also the tools
# the package tests check with: desktop-file-validate, rpm (to read the
# desktop app's .rpm) and file (to read the icons' sizes).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$ROOT/scripts/setup/desktop.sh" --test
apt_install desktop-file-utils rpm file
cargo_tool cargo-deb "$CARGO_DEB_VERSION" cargo-deb
