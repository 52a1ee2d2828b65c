#!/usr/bin/env bash
# Benchmark of the shared people perception and the five people models (never part of CI):
# HOG ms/frame on 640x480 frames of real footage (vtest.avi, upscale 1.0 and 1.5), the whole
# perception (motion gate + HOG + tracker), and each model's own ms/frame. Writes docs/benchmarks/people.md.
# Usage: scripts/bench/people.sh [frames (default 40)]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
N=${1:-40}
require_java_maven
if jars_stale; then build_jars; fi
FOOTAGE=$(bash "$ROOT/scripts/fetch-footage.sh")
OUT="$ROOT/docs/benchmarks/people.md"
TABLE=$(java -cp "$ROOT/edge-verticles/target/vms-edge.jar" com.softdew.vms.edge.ai.perception.PeopleBenchmark "$FOOTAGE/vtest.avi" "$N" 2>/dev/null)
{
  echo "# People perception and models: ms/frame"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) when it ran; $N frames of vtest.avi at 640x480."
  echo "Run: \`scripts/bench/people.sh [frames]\`."
  echo
  echo "$TABLE"
} > "$OUT"
cat "$OUT"
