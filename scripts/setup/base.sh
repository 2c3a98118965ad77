#!/usr/bin/env bash
# Set-up every Orderboard command needs: a C toolchain and pkg-config for
# crates that build C code (SQLite is compiled in by sqlx).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v cargo >/dev/null || { echo "Orderboard needs a Rust toolchain (rustup)"; exit 1; }
apt_install build-essential pkg-config ca-certificates curl
