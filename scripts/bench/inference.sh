#!/usr/bin/env bash
# Inference benchmark on the CPU (never a CI gate):
#  - letterbox preprocessing of 1280x720 frames to a 640 network input (OpenCV), ms/frame, batch 1 and 8
#  - every model the build ships (ModelCatalog), ms/frame on the SyntheticClip scenes (*Scenes classes),
#    frames analysed 8 at a time, one camera session per clip
#  - with --detector FILE.onnx: the ONNX YOLO detector unbatched vs batched (8), frames/s
# Writes docs/benchmarks/inference.md with an SVG plot.
# Usage: scripts/bench/inference.sh [--detector yolo.onnx] [--threads 2] [--frames 60]
# CP=<classpath> runs from compiled classes instead of (re)building vms-edge.jar.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
require_java_maven
if [ -z "${CP:-}" ]; then
  if jars_stale; then build_jars; fi
  CP="$ROOT/edge-verticles/target/vms-edge.jar"
fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
if [ ${#CP} -gt 3000 ]; then
  # ONNX Runtime 1.29.0 crashes (SIGSEGV in OrtEnvironment init) when any system property, java.class.path
  # included, is longer than ~4 KB: pass a long class path through a manifest-only jar
  mkdir -p "$WORK/m"
  { echo "Manifest-Version: 1.0"
    printf 'Class-Path:'
    echo "$CP" | tr ':' '\n' | while read -r p; do [ -d "$p" ] && printf ' file://%s/' "$p" || printf ' file://%s' "$p"; done | fold -w 60 | sed '2,$s/^/ /'
    echo; } > "$WORK/m/MANIFEST.MF"
  (cd "$WORK/m" && jar cfm "$WORK/cp.jar" MANIFEST.MF)
  CP="$WORK/cp.jar"
fi
DETECTOR=""
for ((i = 1; i <= $#; i++)); do [ "${!i}" = "--detector" ] && { j=$((i + 1)); DETECTOR="${!j}"; }; done
RAW=$(java -cp "$CP" com.softdew.vms.edge.ai.runtime.InferenceBenchmark "$@" 2>/dev/null | grep '^RESULT ' || true)
[ -n "$RAW" ] || { log "the benchmark printed no result"; exit 1; }
echo "$RAW"

OUT="$ROOT/docs/benchmarks/inference.md"
SVG="$ROOT/docs/benchmarks/inference.svg"
CPU_NAME=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
LOAD=$(cut -d' ' -f1 /proc/loadavg)
# bars: name ms/frame (preprocess rows and models that ran)
BARS=$(echo "$RAW" | awk '$2=="preprocess" {print $3, $4} $2=="model" && $4!="skipped" {print "model:" $3, $4}')
{
  echo "# Inference on the CPU"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($CPU_NAME), load average $LOAD at the end, by"
  echo "\`scripts/bench/inference.sh $*\`. Not a CI gate; the machine is shared, so compare rows of one run only."
  echo
  echo "## Preprocessing: letterbox 1280x720 → 640x640 NCHW float (OpenCV)"
  echo
  echo "| batch | ms/frame |"
  echo "|---|---|"
  echo "$RAW" | awk '$2=="preprocess" { b=$3; sub(/.*batch/, "", b); print "| " b " | " $4 " |" }'
  echo
  echo "## Models of the catalog on the synthetic clips"
  echo
  echo "Clips: $(echo "$RAW" | awk '$2=="clip" {printf "%s%s (%s, %s frames)", sep, $3, $4, $5; sep=", "}')."
  echo
  if echo "$RAW" | grep -q '^RESULT model '; then
    echo "Models that read people/vehicles (intrusion, crowd, fallen, tailgating, abnormalBehavior) share one perception:"
    echo "the first of them (intrusion) pays its time (HOG with motion gating, the default detector); the others reuse"
    echo "the tracks it cached for the same camera and frame times, as on a worker host. One thread per model call."
    echo
    echo "| model | ms/frame | frames | init ms |"
    echo "|---|---|---|---|"
    echo "$RAW" | awk '$2=="model" { if ($4=="skipped") { r=$5; for (i=6;i<=NF;i++) r=r " " $i; print "| " $3 " | skipped: " r " | | |" } else print "| " $3 " | " $4 " | " $5 " | " $6 " |" }'
  else
    echo "No model in the catalog of this build (nothing registered in META-INF/services/com.softdew.vms.edge.ai.AnalyticsModel)."
  fi
  echo
  echo "## ONNX YOLO detector, unbatched vs batched"
  echo
  if echo "$RAW" | grep -q '^RESULT detector '; then
    echo "| batch.maxSize | frames/s | frames | detections | detector |"
    echo "|---|---|---|---|---|"
    echo "$RAW" | awk '$2=="detector" { b=$3; sub(/batch/, "", b); print "| " b " | " $4 " | " $5 " | " $6 " | " $7 " |" }'
    echo
    echo "Network: \`$(basename "$DETECTOR")\`. Frames of the clips above, letterboxed to the network's input, 8 per"
    echo "\`detect\` call; batch.maxSize 1 runs the session once per frame, 8 once per call. With a network that is"
    echo "not a real YOLO (such as the tests' colour-blob network, \`TinyOnnx\`) the rows measure the pipeline"
    echo "around the network (letterbox, session call, decoding, NMS, mapping), not YOLO compute."

  else
    echo "Not measured: no YOLO ONNX file was given (\`--detector\`); none can be fetched on this project's machines."
  fi
  echo
  echo "![ms per frame](inference.svg)"
} > "$OUT"

echo "$BARS" | awk -v out="$SVG" '
  NF == 2 { n++; name[n] = $1; v[n] = $2 + 0; if (v[n] > max) max = v[n] }
  END {
    if (max <= 0) max = 1
    h = 40 + n * 28
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"620\" height=\"%d\" font-family=\"sans-serif\">", h + 30 > out
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>" > out
    printf "<text x=\"310\" y=\"18\" font-size=\"13\" text-anchor=\"middle\">CPU ms per frame (shorter is better)</text>" > out
    for (i = 1; i <= n; i++) {
      y = 30 + (i - 1) * 28; w = 330 * v[i] / max
      printf "<text x=\"250\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>", y + 15, name[i] > out
      printf "<rect x=\"258\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"#3b6ea5\"/>", y + 2, w > out
      printf "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%.1f</text>", 262 + w, y + 16, v[i] > out
    }
    printf "</svg>\n" > out
  }'
log "wrote $OUT and $SVG"
