#!/usr/bin/env bash
# ANPR inference benchmark (never gates CI): PP-OCRv4 on ONNX Runtime, CPU, on the plate crops the
# detector cuts out of rendered 640x480 scenes (PlateScenes, 3 clips x 45 frames):
#   - detector ms per frame, one frame per call and 4 frames per call
#   - recogniser crops/s with one crop per call and with 4 and 16 crops per call (padded to one width), ratios
# Writes docs/benchmarks/anpr.md. Usage: scripts/bench/anpr.sh [threads=2] [repetitions=3]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
THREADS=${1:-2}; REPS=${2:-3}
require_java_maven
"$ROOT/scripts/fetch-models.sh"
if jars_stale; then build_jars; fi
CP="$ROOT/edge-verticles/target/vms-edge.jar"
OUT=$(java -cp "$CP" com.softdew.vms.edge.ai.models.anpr.AnprBenchmark "$THREADS" "$REPS" 4 2>/dev/null | grep '^RESULT ' | cut -d' ' -f2-)
OUT16=$(java -cp "$CP" com.softdew.vms.edge.ai.models.anpr.AnprBenchmark "$THREADS" "$REPS" 16 2>/dev/null | grep '^RESULT ' | cut -d' ' -f2-)
echo "$OUT"; echo "$OUT16"
get() { echo "$OUT" | awk -v k="$1" '$1 == k { print $2 }'; }
get16() { echo "$OUT16" | awk -v k="$1" '$1 == k { print $2 }'; }
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$ROOT/docs/benchmarks"
cat > "$ROOT/docs/benchmarks/anpr.md" <<MD
# ANPR inference (scripts/bench/anpr.sh)

$(date -u +%Y-%m-%d), $(nproc) cores, load average after the run: $LOAD, ONNX Runtime CPU, $THREADS intra-op threads.
Two runs (recogniser batch 4, then 16); each measures its own one-crop-per-call baseline.

| what | run 1 | run 2 |
|---|---|---|
| frames (640x480, PlateScenes) | $(get frames) | $(get16 frames) |
| detector ms/frame, 1 frame per call | $(get det_ms_per_frame_single) | $(get16 det_ms_per_frame_single) |
| detector ms/frame, 4 frames per call | $(get det_ms_per_frame_batch4) | $(get16 det_ms_per_frame_batch4) |
| plate crops | $(get crops) | $(get16 crops) |
| recogniser crops/s, 1 per call | $(get rec_crops_per_s_single) | $(get16 rec_crops_per_s_single) |
| recogniser crops/s, 4 / 16 per call | $(get rec_crops_per_s_batch4) | $(get16 rec_crops_per_s_batch16) |
| **batched / unbatched** | **$(get rec_batched_over_single)** | **$(get16 rec_batched_over_single)** |
| same text batched vs unbatched | $(get rec_same_text_batched_vs_single) | $(get16 rec_same_text_batched_vs_single) |
MD
log "wrote docs/benchmarks/anpr.md"
