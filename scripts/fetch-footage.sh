#!/usr/bin/env bash
# Fetches real test footage with pedestrians for the people models' tests (once; cached):
#   vtest.avi (768x576, 10 fps, 79.5 s, msmpeg4v3; people walking on a campus road), messi5.jpg and
#   basketball1.png, from Debian's opencv-doc package (OpenCV's samples/data; Apache-2.0 AND
#   BSD-3-Clause per the package's copyright file, which is kept beside them).
# Only the Debian package is downloaded (apt-get download, no install); the files land in
#   ${VMS_FOOTAGE_DIR:-$HOME/.cache/vms-footage}/opencv-doc/
# Prints the directory. Tests that need the footage look there and skip when it is absent.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR="${VMS_FOOTAGE_DIR:-$HOME/.cache/vms-footage}/opencv-doc"
FILES=(vtest.avi messi5.jpg basketball1.png)
have_all() { for f in "${FILES[@]}" copyright; do [ -s "$DIR/$f" ] || return 1; done; }

if ! have_all; then
  mkdir -p "$DIR"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  log "fetching test footage (Debian package opencv-doc, ~96 MB download, kept: ~8.5 MB) into $DIR"
  if ! (cd "$tmp" && apt-get download opencv-doc >/dev/null 2>&1); then
    as_root apt-get update -qq
    (cd "$tmp" && apt-get download opencv-doc >/dev/null 2>&1) || { log "apt-get download opencv-doc failed"; exit 1; }
  fi
  members=(./usr/share/doc/opencv-doc/copyright)
  for f in "${FILES[@]}"; do members+=("./usr/share/doc/opencv-doc/examples/data/$f"); done
  dpkg-deb --fsys-tarfile "$tmp"/opencv-doc_*.deb | tar -x -C "$tmp" "${members[@]}"
  for f in "${FILES[@]}"; do cp "$tmp/usr/share/doc/opencv-doc/examples/data/$f" "$DIR/$f"; done
  cp "$tmp/usr/share/doc/opencv-doc/copyright" "$DIR/copyright"
  have_all || { log "footage incomplete in $DIR"; exit 1; }
fi
echo "$DIR"
