#!/bin/sh
# Trunk's post-build hook (Trunk.toml): beside every text and WebAssembly file
# of a release build, a brotli copy (.br, quality 11) and a gzip copy (.gz,
# level 9), which the server sends to browsers that accept them
# (crates/server/src/ui_assets.rs). Compressed once here, never per request.
# Debian's brotli and gzip do the work (scripts/setup/frontend.sh installs
# brotli). A copy no smaller than its file is dropped. Debug builds are left
# as they are.
set -eu
[ "${TRUNK_PROFILE:-}" = "release" ] || exit 0
cd "${TRUNK_STAGING_DIR:?Trunk sets TRUNK_STAGING_DIR}"
find . -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) |
  while IFS= read -r file; do
    brotli --force --keep --quality=11 --output="$file.br" "$file"
    gzip --force --keep --best --no-name "$file"
    for copy in "$file.br" "$file.gz"; do
      # A copy no smaller than its file is not worth sending.
      [ "$(wc -c <"$copy")" -lt "$(wc -c <"$file")" ] || rm -f "$copy"
    done
  done
