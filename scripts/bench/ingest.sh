#!/usr/bin/env bash
# Benchmark of the edge ingest path against the ffmpeg CLI, in the same run:
#  (a) the ffmpeg CLI decoding a 1080p H.264 file and scaling it to 640x480 RGB (letterbox), one thread, -f null
#  (b) our ingest+normalise path (JavaCV decode + FrameNormalizer) on the same file, one decoder thread
#  ratio = (b) / (a) in frames per second; then N simulated cameras (1080p main, 640x360 sub decoded
#  at 15 fps) for N = 1, 2, 4, 8: process CPU and camera -> normalised frame latency p99.
# Writes docs/benchmarks/ingest.md with an SVG plot. Usage: scripts/bench/ingest.sh [seconds per camera run]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
SECS=${1:-10}
require_java_maven
command -v ffmpeg >/dev/null || apt_install ffmpeg
if jars_stale; then build_jars; fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
IN="$WORK/in1080.mp4"
ffmpeg -v error -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 20 -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 25 "$IN"
CP="$ROOT/edge-verticles/target/vms-edge.jar"

# (a) ffmpeg CLI, one thread, same output as ours: 640x480 RGB24 letterboxed
T0=$(date +%s.%N)
ffmpeg -v error -threads 1 -i "$IN" -vf "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2" \
  -pix_fmt rgb24 -f null - 
T1=$(date +%s.%N)
FF_FPS=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", 500 / (b - a) }')
echo "ffmpeg CLI: 500 frames, $FF_FPS fps"

# (b) ours, one decoder thread, every frame normalised
read -r OUR_FRAMES OUR_SECS OUR_FPS < <(java -cp "$CP" com.softdew.vms.edge.bench.IngestBenchmark decode "$IN" 2>/dev/null | grep "^RESULT " | cut -d" " -f2-)
echo "ours: $OUR_FRAMES frames, $OUR_FPS fps"
RATIO=$(awk -v a="$OUR_FPS" -v b="$FF_FPS" 'BEGIN { printf "%.2f", a / b }')
echo "ratio ours / ffmpeg = $RATIO"

ROWS=""
CORES=$(nproc)
for N in 1 2 4 8 12 16 24; do
  # every camera: sub stream decoded + normalised at 15 fps, 1080p main stream recorded by remux
  read -r C CPU FPS P99 RECB < <(java -cp "$CP" com.softdew.vms.edge.bench.IngestBenchmark cameras "$N" "$SECS" "$ROOT/sim-media" record 2>/dev/null | grep "^RESULT " | cut -d" " -f2-)
  echo "cameras=$C cpu=${CPU}% of one core normalised_fps=$FPS p99=${P99} ms recorded=${RECB} B"
  ROWS="$ROWS$C $CPU $FPS $P99 $RECB"$'\n'
  # stop once the machine is saturated (process CPU above 90 % of all cores)
  awk -v c="$CPU" -v n="$CORES" 'BEGIN { exit !(c > 90 * n) }' && break
done
# cameras per core: the largest run at or under 70 % of the machine, scaled to one core
# (only runs where every camera delivered its 15 fps count: fewer frames means the machine could not keep up)
PER_CORE=$(printf '%s' "$ROWS" | awk -v n="$CORES" '$2 > 0 && $2 <= 70 * n && $3 >= $1 * 15 * 0.95 { best = $1 / ($2 / 100) } END { printf "%.1f", best }')
echo "cameras per core (at <= 70 % CPU): $PER_CORE"

OUT="$ROOT/docs/benchmarks/ingest.md"
CPU_NAME=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
{
  echo "# Edge ingest: decode + normalise"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($CPU_NAME) by \`scripts/bench/ingest.sh $SECS\`."
  echo
  echo "## Decode and normalise a 1080p H.264 file to 640x480 RGB (one thread)"
  echo
  echo "| path | fps |"
  echo "|---|---|"
  echo "| ffmpeg CLI \`-threads 1 ... scale+pad ... -pix_fmt rgb24 -f null\` (baseline) | $FF_FPS |"
  echo "| ours: JavaCV decode (1 thread) + FrameNormalizer, every frame | $OUR_FPS |"
  echo "| **ratio** | **$RATIO** (target ≥ 0.9) |"
  echo
  echo "## Simulated cameras: sub stream 640x360 H.264 decoded and normalised at 15 fps, 1080p main stream recorded by remux"
  echo
  echo "CPU is the whole JVM, simulator included (it sends the RTP of every camera), as % of one core."
  echo
  echo "| cameras | CPU % of one core | normalised frames/s | capture → normalised p99 (ms) | main stream recorded (MB) |"
  echo "|---|---|---|---|---|"
  while read -r C CPU FPS P99 RECB; do [ -n "$C" ] && echo "| $C | $CPU | $FPS | $P99 | $(awk -v b="$RECB" 'BEGIN { printf "%.1f", b / 1e6 }') |"; done <<<"$ROWS"
  echo
  echo "**Cameras per core at ≤ 70 % CPU: $PER_CORE** (the largest run at or under 70 % of the $CORES cores, scaled to one core)."
  echo
  echo "![CPU per camera count](ingest.svg)"
  echo
  echo "Targets of the issue: ratio ≥ 0.9; ≥ 8 cameras per core at ≤ 70 % CPU; p99 < 150 ms. Not a CI gate."
  cat <<'TXT'

Not in these figures: encoding the analytics segments (docs/edge-segments.md: 120–230 ms per 5 s
segment of 640x480, about 3–5 % of a core per camera) and inference. The latency is measured from the RTCP-derived capture time, so it includes the network
and the simulator's pacing. A run where fewer frames/s than cameras x 15 arrive means a loop was still
waiting for its first key frame when the window opened (4 s warm-up).
TXT
} > "$OUT"
python3 - "$ROOT/docs/benchmarks/ingest.svg" "$ROWS" <<'PY'
import sys
path, rows = sys.argv[1], [r.split() for r in sys.argv[2].strip().splitlines() if r.strip()]
w, h, left, bottom = 520, 300, 60, 40
xs = [int(r[0]) for r in rows]; ys = [float(r[1]) for r in rows]
ymax = max(100.0, max(ys) * 1.1); xmax = max(xs)
def X(v): return left + (w - left - 20) * v / xmax
def Y(v): return h - bottom - (h - bottom - 20) * v / ymax
pts = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(xs, ys))
lab = "".join(f'<text x="{X(x):.1f}" y="{Y(y)-8:.1f}" font-size="11" text-anchor="middle">{y:.0f}%</text>' for x, y in zip(xs, ys))
ticks = "".join(f'<text x="{X(x):.1f}" y="{h-bottom+16}" font-size="11" text-anchor="middle">{x}</text>' for x in xs)
line70 = f'<line x1="{left}" x2="{w-20}" y1="{Y(70):.1f}" y2="{Y(70):.1f}" stroke="#c33" stroke-dasharray="4"/><text x="{w-22}" y="{Y(70)-4:.1f}" font-size="10" text-anchor="end" fill="#c33">70% of one core</text>'
open(path, "w").write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
  f'<line x1="{left}" y1="{h-bottom}" x2="{w-20}" y2="{h-bottom}" stroke="black"/><line x1="{left}" y1="20" x2="{left}" y2="{h-bottom}" stroke="black"/>'
  f'{line70}<polyline fill="none" stroke="#3b6ea5" stroke-width="2" points="{pts}"/>{lab}{ticks}'
  f'<text x="{(w+left)/2}" y="{h-6}" font-size="12" text-anchor="middle">simulated cameras (sub decoded at 15 fps + main remuxed)</text>'
  f'<text x="14" y="{h/2}" font-size="12" transform="rotate(-90 14 {h/2})" text-anchor="middle">process CPU, % of one core</text></svg>')
PY
echo "report: $OUT"
