#!/usr/bin/env bash
# ANPR inference benchmark (never gates CI): PP-OCRv4 on ONNX Runtime, CPU, on the plate crops the
# detector cuts out of rendered 640x480 scenes (PlateScenes, 3 clips x 45 frames):
#   - detector ms per frame, one frame per call and 4 frames per call
#   - recogniser crops/s with one crop per call and with recBatch crops per call (padded to one width), ratio
# Writes docs/benchmarks/anpr.md. Usage: scripts/bench/anpr.sh [threads=2] [repetitions=3] [recBatch=16]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
THREADS=${1:-2}; REPS=${2:-3}; BATCH=${3:-16}
require_java_maven
"$ROOT/scripts/fetch-models.sh"
if jars_stale; then build_jars; fi
CP="$ROOT/edge-verticles/target/vms-edge.jar"
OUT=$(java -cp "$CP" com.softdew.vms.edge.ai.models.anpr.AnprBenchmark "$THREADS" "$REPS" "$BATCH" 2>/dev/null | grep '^RESULT ' | cut -d' ' -f2-)
echo "$OUT"
get() { echo "$OUT" | awk -v k="$1" '$1 == k { print $2 }'; }
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$ROOT/docs/benchmarks"
cat > "$ROOT/docs/benchmarks/anpr.md" <<MD
# ANPR inference (scripts/bench/anpr.sh)

$(date -u +%Y-%m-%d), $(nproc) cores, load average before/while running: $LOAD, ONNX Runtime CPU, $THREADS intra-op threads.

| what | value |
|---|---|
| frames (640x480, PlateScenes) | $(get frames) |
| detector ms/frame, 1 frame per call | $(get det_ms_per_frame_single) |
| detector ms/frame, 4 frames per call | $(get det_ms_per_frame_batch4) |
| plate crops | $(get crops) |
| recogniser crops/s, 1 per call | $(get rec_crops_per_s_single) |
| recogniser crops/s, $BATCH per call | $(get rec_crops_per_s_batch$BATCH) |
| **batched / unbatched** | **$(get rec_batched_over_single)** |
| same text batched vs unbatched | $(get rec_same_text_batched_vs_single) |
MD
log "wrote docs/benchmarks/anpr.md"
