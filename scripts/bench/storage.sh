#!/usr/bin/env bash
# Storage sizing: bytes per camera-day of our recorded segments (fragmented MP4, the recorder's settings, 10 s
# segments) for H.264 and H.265 at several bitrates, against MPEG-TS and the raw elementary stream written by the
# ffmpeg CLI from the same encoded input (the baseline, same script). Input: real footage (Debian opencv-doc
# vtest.avi, people walking) scaled to 1920x1080, 15 fps, encoded CBR-like with the ffmpeg CLI.
# Writes docs/benchmarks/storage.md with an SVG plot. Not part of CI.
# Usage: scripts/bench/storage.sh [seconds of footage, default 20]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
require_java_maven
command -v ffmpeg >/dev/null || apt_install ffmpeg
if jars_stale; then build_jars; fi
SECS="${1:-20}"
FOOT=$(bash "$ROOT/scripts/fetch-footage.sh" 2>/dev/null | tail -1)
SRC="$FOOT/vtest.avi"
[ -f "$SRC" ] || { echo "no footage at $SRC" >&2; exit 1; }
CP="$ROOT/edge-verticles/target/vms-edge.jar"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROWS=""
for CODEC in h264 h265; do
  for MBPS in 1 2 4 8; do
    ENC=libx264; [ "$CODEC" = h265 ] && ENC=libx265
    IN="$WORK/$CODEC-$MBPS.mkv"
    # a camera-like stream: fixed GOP of 2 s (30 frames), no B-frames, rate-capped at the bitrate
    EXTRA=(-x264-params "keyint=30:min-keyint=30:scenecut=0:bframes=0:nal-hrd=cbr")
    [ "$CODEC" = h265 ] && EXTRA=(-x265-params "keyint=30:min-keyint=30:scenecut=0:bframes=0:log-level=error")
    ffmpeg -v error -y -stream_loop -1 -i "$SRC" -t "$SECS" -vf scale=1920:1080,fps=15 -an -c:v "$ENC" -preset ultrafast \
      -b:v "${MBPS}M" -minrate "${MBPS}M" -maxrate "${MBPS}M" -bufsize "${MBPS}M" "${EXTRA[@]}" "$IN"
    read -r OURS DUR NSEG < <(java -cp "$CP" com.softdew.vms.edge.bench.StorageSizingBenchmark "$IN" "$WORK/ours-$CODEC-$MBPS" 10 2>/dev/null | grep '^RESULT ' | cut -d' ' -f2-)
    ffmpeg -v error -y -i "$IN" -c copy -f segment -segment_time 10 -segment_format mpegts "$WORK/ts-$CODEC-$MBPS-%03d.ts"
    TS=$(cat "$WORK"/ts-"$CODEC"-"$MBPS"-*.ts | wc -c)
    RAWEXT=h264; [ "$CODEC" = h265 ] && RAWEXT=hevc
    ffmpeg -v error -y -i "$IN" -c copy -f "$RAWEXT" "$WORK/raw-$CODEC-$MBPS.$RAWEXT"
    RAW=$(wc -c < "$WORK/raw-$CODEC-$MBPS.$RAWEXT")
    read -r GBDAY RTS RRAW < <(awk -v o="$OURS" -v d="$DUR" -v t="$TS" -v r="$RAW" 'BEGIN { printf "%.2f %.3f %.3f\n", o / d * 86400 / 1e9, o / t, o / r }')
    echo "$CODEC ${MBPS} Mbit/s: ours $OURS B in $DUR s ($NSEG segments) = $GBDAY GB/camera-day; ours/TS = $RTS; ours/raw = $RRAW"
    ROWS="$ROWS$CODEC $MBPS $OURS $DUR $TS $RAW $GBDAY $RTS $RRAW"$'\n'
  done
done
OUT="$ROOT/docs/benchmarks/storage.md"
CPU_NAME=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
{
  echo "# Storage sizing: GB per camera-day"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($CPU_NAME) by \`scripts/bench/storage.sh $SECS\`."
  echo
  echo "Input: $SECS s of real footage (vtest.avi) scaled to 1920x1080 at 15 fps, GOP 2 s, no B-frames, rate-capped at"
  echo "the bitrate by the ffmpeg CLI (x264/x265 ultrafast). \"Ours\" is the recorder's container (fragmented MP4, 1 s"
  echo "fragments, 10 s segments) written by our JavaCV remux; MPEG-TS (10 s segments) and the raw elementary stream"
  echo "are written by the ffmpeg CLI from the same input (the baseline). GB = 10^9 bytes; a day = 86 400 s."
  echo
  echo "| codec | bitrate (Mbit/s) | ours (bytes) | seconds | GB per camera-day (ours) | ours / MPEG-TS | ours / raw stream |"
  echo "|---|---|---|---|---|---|---|"
  while read -r C M O D T R G RT RR; do [ -n "$C" ] && echo "| $C | $M | $O | $D | **$G** | $RT | $RR |"; done <<<"$ROWS"
  echo
  echo "![GB per camera-day](storage.svg)"
  echo
  echo "Rule of thumb from these rows: GB/day ≈ bitrate (Mbit/s) × 10.8 × (ours / raw). The rate cap holds the"
  echo "bitrate only approximately on this footage (ultrafast presets, little motion): use the measured column, not the"
  echo "nominal bitrate, for sizing. Motion/event recording stores only the triggered windows plus pre/post roll."
} > "$OUT"
python3 - "$ROOT/docs/benchmarks/storage.svg" "$ROWS" <<'PY'
import sys
path, rows = sys.argv[1], [r.split() for r in sys.argv[2].strip().splitlines() if r.strip()]
w, h, left, bottom = 520, 300, 60, 40
series = {}
for r in rows: series.setdefault(r[0], []).append((float(r[1]), float(r[6])))
xmax = max(x for s in series.values() for x, _ in s); ymax = max(y for s in series.values() for _, y in s) * 1.15
def X(v): return left + (w - left - 20) * v / xmax
def Y(v): return h - bottom - (h - bottom - 20) * v / ymax
colors = {"h264": "#3b6ea5", "h265": "#c3622d"}
body = ""
for i, (name, pts) in enumerate(series.items()):
  body += f'<polyline fill="none" stroke="{colors.get(name, "#333")}" stroke-width="2" points="{" ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in pts)}"/>'
  body += "".join(f'<text x="{X(x):.1f}" y="{Y(y)-6:.1f}" font-size="10" text-anchor="middle">{y:.1f}</text>' for x, y in pts)
  body += f'<text x="{left+10}" y="{30+14*i}" font-size="11" fill="{colors.get(name, "#333")}">{name}</text>'
xs = sorted({x for s in series.values() for x, _ in s})
body += "".join(f'<text x="{X(x):.1f}" y="{h-bottom+16}" font-size="11" text-anchor="middle">{x:g}</text>' for x in xs)
open(path, "w").write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
  f'<line x1="{left}" y1="{h-bottom}" x2="{w-20}" y2="{h-bottom}" stroke="black"/><line x1="{left}" y1="20" x2="{left}" y2="{h-bottom}" stroke="black"/>'
  f'{body}<text x="{(w+left)/2}" y="{h-6}" font-size="12" text-anchor="middle">nominal bitrate, Mbit/s (1080p, 15 fps)</text>'
  f'<text x="14" y="{h/2}" font-size="12" transform="rotate(-90 14 {h/2})" text-anchor="middle">GB per camera-day (our segments)</text></svg>')
PY
echo "report: $OUT"
