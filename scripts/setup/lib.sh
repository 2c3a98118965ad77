# Shared helpers for Orderboard's set-up scripts. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../tools.env
source "$ROOT/tools.env"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[orderboard]\033[0m %s\n' "$*" >&2; }

# apt_install PKG...: installs the Debian packages that are missing, and only those.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# cargo_tool BIN VERSION CRATE: installs CRATE at VERSION unless BIN already reports it.
cargo_tool() {
  local bin="$1" version="$2" crate="$3"
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -qF "$version"; then
    return 0
  fi
  log "installing $crate $version (this takes a few minutes, once)"
  cargo install --locked "$crate" --version "$version" \
    || cargo install "$crate" --version "$version"
}
