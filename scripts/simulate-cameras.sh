#!/usr/bin/env bash
# Runs N simulated cameras in one JVM, in the foreground, each with its RTSP server (main and sub
# stream), ONVIF device (with WS-Discovery responder) and Hikvision ISAPI face, then prints one line
# per camera and "ready":
#   camera <i> onvif=<device service URL> rtsp-main=<URL> rtsp-sub=<URL> isapi=<URL> user=<u> password=<p>
# Usage: scripts/simulate-cameras.sh N [--codec h264|h265|mjpeg] [--base-port P] [--host H] [--auth digest|basic|none]
# (--auth other than digest, or --rtsp-only true, starts the RTSP servers alone.) Media is encoded once
# with the Debian ffmpeg into ./sim-media; nothing is downloaded.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:?usage: scripts/simulate-cameras.sh N [--codec h264|h265|mjpeg] [--base-port P]}
shift
require_java_maven
command -v ffmpeg >/dev/null || apt_install ffmpeg
[ -f "$ROOT/edge-verticles/target/vms-edge.jar" ] && ! jars_stale || build_jars
exec java -cp "$ROOT/edge-verticles/target/vms-edge.jar" com.softdew.vms.sim.CameraSimulator --count "$N" \
  --media-dir "${VMS_SIM_MEDIA:-$ROOT/sim-media}" "$@"
