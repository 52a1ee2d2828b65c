#!/usr/bin/env bash
# End-to-end latency of the AI workers (issue 7), not a unit test and not part of CI:
# one JVM with an embedded Kafka broker, N simulated cameras (sub stream 640x360 H.264, 15 fps), one
# camera pipeline per camera (2 s segments, no overlap) and the AI workers (ai.* start-up keys, 2 threads).
# Cameras are split in quarters: fire (CRITICAL), tampering (HIGH), missingObject configured MEDIUM,
# motion (STANDARD). Measures segment close -> detections consumed from vms-detections per priority,
# for N = 16 and N = 4. Writes docs/benchmarks/latency.md with an SVG plot.
# Usage: scripts/bench/latency.sh [seconds measured, default 60] [warm-up seconds, default 15] [camera counts, default "16 4"]
# Environment: SKIP_BUILD=1 uses the jars as they are; VMS_EDGE_CP overrides the class path (e.g.
# "edge-verticles/target/classes:edge-verticles/target/vms-edge.jar" after `mvn -pl edge-verticles -am compile`).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
SECS=${1:-60}
WARMUP=${2:-15}
COUNTS=${3:-"16 4"}
require_java_maven
command -v ffmpeg >/dev/null || apt_install ffmpeg   # the simulator encodes its test pattern once with it
# SKIP_BUILD=1: use the vms-edge.jar just built by `mvn -pl edge-verticles -am package -DskipTests`
if [ "${SKIP_BUILD:-0}" != 1 ] && jars_stale; then build_jars; fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
CP=${VMS_EDGE_CP:-"$ROOT/edge-verticles/target/vms-edge.jar"}
for N in $COUNTS; do
  log "latency: $N cameras, ${SECS} s after ${WARMUP} s warm-up (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  java -Xss4m -cp "$CP" com.softdew.vms.edge.ai.bench.PipelineLatencyBenchmark "$N" "$SECS" "$WARMUP" missingObject "$ROOT/sim-media" 45 \
    >"$WORK/log-$N.txt" 2>&1 || true   # logs go to stdout too: keep them, print the RESULT lines
  grep '^RESULT' "$WORK/log-$N.txt" > "$WORK/out-$N.txt" || true
  grep '^PROGRESS' "$WORK/log-$N.txt" | sed "s/^/cameras=$N /" >> "$WORK/progress.txt" || true
  cat "$WORK/out-$N.txt"
  grep -q '^RESULT_RUN ' "$WORK/out-$N.txt" || { tail -30 "$WORK/log-$N.txt"; exit 1; }
done
cat "$WORK"/out-*.txt | grep '^RESULT' > "$WORK/results.txt"
OUT="$ROOT/docs/benchmarks/latency.md"
SVG="$ROOT/docs/benchmarks/latency.svg"
CPU_NAME=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
python3 - "$WORK/results.txt" "$SVG" "$OUT" "$SECS" "$WARMUP" "$(nproc)" "$CPU_NAME" "$(date -u +%Y-%m-%dT%H:%MZ)" <<'PY'
import sys
res, svg, out, secs, warm, nproc, cpu, when = sys.argv[1:9]
runs, lanes, counters = {}, [], {}
for line in open(res):
    kind, *kv = line.split()
    d = dict(x.split("=", 1) for x in kv)
    if kind == "RESULT_RUN": runs[int(d["cameras"])] = d
    elif kind == "RESULT": lanes.append(d)
    elif kind == "RESULT_COUNTERS": counters[int(d["cameras"])] = d
TARGET = {"CRITICAL": 300, "HIGH": 300, "MEDIUM": 1000, "STANDARD": 1000}
ORDER = ["CRITICAL", "HIGH", "MEDIUM", "STANDARD"]
COLORS = {"CRITICAL": "#c0392b", "HIGH": "#e08a2c", "MEDIUM": "#3b6fb6", "STANDARD": "#6a9f4a"}
ns = sorted(runs, reverse=True)
lanes.sort(key=lambda d: (-int(d["cameras"]), ORDER.index(d["priority"])))

# SVG: p50 and p99 of e2e per priority, one group per camera count, log scale (latencies span 10 ms .. minutes)
import math
w, h, left, top, bw = 760, 300, 70, 30, 22
vals = [int(d[k]) for d in lanes for k in ("e2e_p50", "e2e_p99") if int(d[k]) > 0] + [1000]
vmax = max(vals) * 1.5
lo = 10
def Y(v):
    v = max(v, lo)
    return top + h - h * (math.log10(v) - math.log10(lo)) / (math.log10(vmax) - math.log10(lo))
o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 130}" font-family="sans-serif" font-size="11">',
     '<rect width="100%" height="100%" fill="white"/>',
     f'<text x="{left}" y="16">segment close → detections consumed: p50 (light) and p99 (dark) per priority, ms, log scale</text>']
t = lo
while t <= vmax:
    for m in (1, 2, 5):
        v = t * m
        if v > vmax: break
        o.append(f'<line x1="{left}" y1="{Y(v):.1f}" x2="{w-20}" y2="{Y(v):.1f}" stroke="#eee"/><text x="{left-8}" y="{Y(v)+4:.1f}" text-anchor="end">{v:g}</text>')
    t *= 10
for tv, lab in ((300, "300 ms (critical/high target)"), (1000, "1000 ms (standard target)")):
    o.append(f'<line x1="{left}" y1="{Y(tv):.1f}" x2="{w-20}" y2="{Y(tv):.1f}" stroke="#c33" stroke-dasharray="4"/><text x="{w-22}" y="{Y(tv)-4:.1f}" text-anchor="end" fill="#c33">{lab}</text>')
groups = [[d for d in lanes if int(d["cameras"]) == n] for n in ns]
gw = (w - left - 20) / max(len(groups), 1)
for gi, g in enumerate(groups):
    x0 = left + gi * gw + 20
    for li, d in enumerate(g):
        x = x0 + li * (2 * bw + 10)
        for j, k in enumerate(("e2e_p50", "e2e_p99")):
            v = int(d[k])
            if v < 0: continue
            col = COLORS[d["priority"]]
            o.append(f'<rect x="{x + j*bw:.1f}" y="{Y(v):.1f}" width="{bw-3}" height="{top+h-Y(v):.1f}" fill="{col}" fill-opacity="{0.45 if j == 0 else 1}"/>')
        o.append(f'<text transform="translate({x+4:.1f},{top+h+12}) rotate(30)">{d["priority"].lower()} {d["results"]}/{d["jobs"]}</text>')
    o.append(f'<text x="{x0 + 2*bw:.1f}" y="{top+h+66}" font-weight="bold">{ns[gi]} cameras</text>')
o.append(f'<text x="{left}" y="{top+h+92}">under each pair: results received / jobs of the window; a class without bars had no result in time</text>')
o.append('</svg>')
open(svg, "w").write("\n".join(o))

def met(d):
    p99 = int(d["e2e_p99"])
    if int(d["results"]) == 0: return "no result"
    ok = p99 < TARGET[d["priority"]] and int(d["missing"]) == 0
    return ("met" if ok else "**not met**")
L = []
L.append("# AI workers: segment close → detections latency per priority")
L.append("")
L.append(f"Measured {when} on {nproc} cores ({cpu}) by `scripts/bench/latency.sh {secs} {warm}`"
         f" (`com.softdew.vms.edge.ai.bench.PipelineLatencyBenchmark`). A benchmark, not a CI gate.")
L.append("")
L.append("**Set-up (one JVM).** Embedded KRaft broker; N simulated cameras (`CameraSimulator`, sub stream 640x360 H.264"
         " 15 fps over RTSP/TCP); one `CameraPipeline` per camera (software decode, normalise to 640x480, 2 s segments"
         " without overlap encoded with libopenh264, `JobDispatcher` → priority topics, inline payload); one"
         " `AiWorkersVerticle` with the `ai.*` defaults of `conf/default.yaml` (`ai.threads` 2, batch ≤ 8 / 20 ms,"
         " decode cache 16 segments, CPU). Cameras are split in quarters, one model each: **fire** (CRITICAL),"
         " **tampering** (HIGH), **missingObject configured MEDIUM** (its seed priority is STANDARD) and **motion**"
         " (STANDARD). The seed's MEDIUM models (intrusion, crowd, tailgating, anpr) were left out: they need the HOG"
         " perception or OCR, 250–700 ms per 640x480 frame on this machine (docs/benchmarks/people.md), i.e. one such"
         " camera alone needs several cores at 15 fps; they would only measure that saturation.")
L.append("")
L.append(f"**What is measured.** For every segment closed inside the {secs} s window (after {warm} s of warm-up):"
         " **e2e** = the moment its close is announced on the bus (`vms.segment.written`: file complete, jobs not yet"
         " sent) → its `DetectionResult` consumed from `vms-detections` (Kafka both ways, scheduling, decode, model);"
         " **field** = the worker's own `latency.segmentCloseToResultMs`, which counts from the segment's *end*"
         " (capture time of the first frame + duration, i.e. before the encoder flushes the file) to the result being"
         " handed to the producer; **close lag** = capture end → close announced (the writer's encode/flush); queue wait,"
         " decode and inference are the result's own latency fields. After the window the run waits up to 45 s for the"
         " window's results; a result still missing then is counted as missing (so an overloaded run shows up as"
         " missing results, not as flattering percentiles). Nearest-rank percentiles.")
L.append("")
L.append("![latency per priority](latency.svg)")
L.append("")
L.append("| cameras | priority | model | cameras in class | jobs | results | missing | e2e p50 | e2e p99 | e2e max | field p50 | field p99 | queue p50 | queue p99 | decode p50 | inference p50 | close lag p50 | target (p99) |")
L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for d in lanes:
    L.append(f"| {d['cameras']} | {d['priority']} | {d['model']} | {d['lane_cameras']} | {d['jobs']} | {d['results']} | {d['missing']} | {d['e2e_p50']} | {d['e2e_p99']} | {d['e2e_max']} | {d['field_p50']} | {d['field_p99']} | {d['queue_p50']} | {d['queue_p99']} | {d['decode_p50']} | {d['infer_p50']} | {d['close_lag_p50']} | < {TARGET[d['priority']]} ms: {met(d)} |")
L.append("")
L.append("All times in ms. -1 = no value.")
L.append("")
L.append("| cameras | process CPU, % of one core | % of the machine | load average (start → end of window) | normalised frames/s (expected cameras × 15) | jobs sent in window | segments closed in window | writer frames dropped* | jobs failed* | AI jobs failed* | backpressure* | queue rejected* |")
L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
for n in ns:
    r, c = runs[n], counters.get(n, {})
    L.append(f"| {n} | {r['cpu_pct_one_core']} | {r['cpu_pct_machine']} | {r['load_start']} → {r['load_end']} | {r['ingest_fps']} ({n*15}) | {r['jobs_sent']} | {r['segments_window']} | {c.get('writer_dropped','?')} | {c.get('jobs_failed','?')} | {c.get('ai_failed','?')} | {c.get('ai_backpressure','?')} | {c.get('queue_rejected','?')} |")
L.append("")
L.append("\\* counted over the whole run (warm-up included). CPU is the whole JVM: simulator (RTP sending), broker, 2N"
         " software codecs (decode of the RTSP stream, libopenh264 encode of the segments), the workers' second decode"
         " of every segment, and the models.")
L.append("")
L.append("Progress of the runs (every 5 s, cumulative since the start: segments closed, jobs sent, results produced by the"
         " workers and consumed by the benchmark, jobs queued in the scheduler, segment decodes and the mean decode and"
         " inference times per segment, frames normalised and frames the segment writers dropped):")
L.append("")
L.append("```")
import os
pf = os.path.join(os.path.dirname(res), "progress.txt")
if os.path.exists(pf): L.extend(l.rstrip() for l in open(pf))
L.append("```")
open(out, "w").write("\n".join(L) + "\n")
PY
log "wrote $OUT and $SVG (add the verdict paragraph by hand if the figures changed)"
