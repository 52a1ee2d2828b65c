#!/usr/bin/env bash
# Playback numbers (not part of CI): export of 60 s by remux vs the ffmpeg CLI on the same files, playlist build,
# thumbnail, H.265 -> H.264 transcode of one 10 s 1080p segment. Writes docs/benchmarks/playback.md.
# Usage: scripts/bench/playback.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
require_java_maven
command -v ffmpeg >/dev/null || apt_install ffmpeg
cd "$ROOT"
mvn -B -q -o -pl edge-verticles -am test -Dtest=PlaybackBenchmarkRun -Dbench.playback=true -Dsurefire.failIfNoSpecifiedTests=false \
  | grep -vE '^\[(INFO|WARNING)\]' || true
cat "$ROOT/docs/benchmarks/playback.md"
