#!/usr/bin/env bash
# CPU of recording N simulated 1080p main streams by remux (MainStreamRecorder: grabPacket + recordPacket, no
# decode, no encode) versus decoding the same streams (JavaCV, one decoder thread each). Per-thread CPU time of
# the recording/decoding threads only (the simulator shares the JVM and is not counted). Not part of CI.
# Usage: scripts/bench/remux.sh [cameras, default 4] [seconds, default 20] [h264|h265]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
require_java_maven
command -v ffmpeg >/dev/null || apt_install ffmpeg
if jars_stale; then build_jars; fi
java -cp "$ROOT/edge-verticles/target/vms-edge.jar" com.softdew.vms.edge.record.RemuxBenchmark "${1:-4}" "${2:-20}" "${3:-h264}" "$ROOT/sim-media" \
  2>/dev/null | grep -E '^(remux|decode|ratio)'
