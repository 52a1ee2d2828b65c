#!/usr/bin/env bash
# Accuracy suite of the 10 analytics models (issue 7), not a unit test and not part of CI:
# labelled clips rendered by the scene generators (seeds the unit tests do not use) are written as
# H.264 MP4, analysed by the same code as `vms.jar analyze`, and the events compared with the labels.
# Prints precision and recall per model and crowd's count error; writes docs/benchmarks/accuracy.md
# with an SVG plot. Usage: scripts/bench/accuracy.sh [seeds per seeded scene, default 3]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
SEEDS=${1:-3}
require_java_maven
"$ROOT/scripts/fetch-models.sh" >/dev/null || log "OCR models not fetched: ANPR is skipped"
if jars_stale; then build_jars; fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
java -Xss4m -cp "$ROOT/edge-verticles/target/vms-edge.jar" com.softdew.vms.edge.ai.bench.AccuracySuite "$WORK" "$SEEDS" 2>"$WORK/stderr.log" | tee "$WORK/out.txt"
JSON="$WORK/accuracy.json"
[ -s "$JSON" ] || { tail -30 "$WORK/stderr.log"; exit 1; }
OUT="$ROOT/docs/benchmarks/accuracy.md"
SVG="$ROOT/docs/benchmarks/accuracy.svg"
CPU_NAME=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
python3 - "$JSON" "$SVG" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
w, h, left, top, bw = 760, 300, 60, 20, 26
n = len(rows)
step = (w - left - 20) / max(n, 1)
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 90}" font-family="sans-serif" font-size="11">']
out.append(f'<text x="{left}" y="14">precision (blue) and recall (orange) per model</text>')
for i in range(0, 11, 2):
    y = top + h - h * i / 10
    out.append(f'<line x1="{left}" y1="{y}" x2="{w-20}" y2="{y}" stroke="#ddd"/><text x="{left-30}" y="{y+4}">{i/10:.1f}</text>')
for k, r in enumerate(rows):
    x = left + k * step + 6
    for j, (key, col) in enumerate((("precision", "#3b6fb6"), ("recall", "#e08a2c"))):
        v = r[key]
        out.append(f'<rect x="{x + j*bw}" y="{top + h - h*v}" width="{bw-4}" height="{h*v}" fill="{col}"/>')
    out.append(f'<text transform="translate({x+8},{top+h+12}) rotate(35)">{r["model"]}{" *" if r["oracle"] else ""}</text>')
out.append(f'<text x="{left}" y="{h+85}">* scored with the oracle detector (true boxes): model logic, not person detection</text>')
out.append('</svg>')
open(sys.argv[2], 'w').write('\n'.join(out))
PY
{
  echo "# Accuracy of the analytics models"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($CPU_NAME) by \`scripts/bench/accuracy.sh $SEEDS\`."
  echo
  echo "**What the clips are.** Every clip is rendered with OpenCV by the scene generators in"
  echo "\`edge-verticles/src/main/java/com/softdew/vms/edge/ai/scenes/\` (textured room with sensor noise; flames,"
  echo "smoke, covers, blur, camera shifts, objects, drawn people, cars with plates), labelled by construction"
  echo "(the generator knows when the event starts and ends), with seeds the unit tests do not use, encoded as"
  echo "H.264 MP4 (libopenh264) and analysed by the same code as \`vms.jar analyze --every-frame\`. No public"
  echo "labelled footage is reachable from this machine, so these are **synthetic** scores: they show that each"
  echo "model separates its positive scenes from its hard negatives (light changes, static orange objects,"
  echo "people passing, blank plates), not how it does on real cameras."
  echo
  echo "**People models** (marked *) are scored with an *oracle detector* that returns the true boxes of the"
  echo "drawn figures, because OpenCV's HOG person detector does not see drawn figures: their score measures"
  echo "the models' logic (zones, dwell, tracks, timing) after H.264, not person detection. HOG itself is tested"
  echo "on real pedestrians (Debian's \`vtest.avi\`) in the unit tests."
  echo
  echo "An event matches a label of the same type (for ANPR: the same plate text) when their frame ranges"
  echo "overlap (3 s of slack after the label's end). precision = matching events / events; recall = matched"
  echo "labels / labels; delay = first matching event's start − label start; count MAE = mean |count − truth|"
  echo "per frame (crowd)."
  echo
  echo "![precision and recall](accuracy.svg)"
  echo
  echo "| model | clips | labels | events | precision | recall | mean delay s | count MAE | time ms |"
  echo "|---|---|---|---|---|---|---|---|---|"
  python3 -c '
import json,sys
for r in json.load(open(sys.argv[1])):
    mae = "-" if r["countMae"] is None else "%.2f" % r["countMae"]
    print("| %s%s | %d | %d | %d | %.2f | %.2f | %.2f | %s | %d |" % (r["model"], " *" if r["oracle"] else "", r["clips"], r["labels"], r["events"], r["precision"], r["recall"], r["meanDelaySeconds"], mae, r["ms"]))
' "$JSON"
  echo
  echo "Per clip:"
  echo
  echo '```'
  grep -E "labels [0-9]+ events" "$WORK/out.txt" || true
  echo '```'
} > "$OUT"
log "wrote $OUT and $SVG"
