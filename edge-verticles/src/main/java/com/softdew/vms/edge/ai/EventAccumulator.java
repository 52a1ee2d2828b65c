package com.softdew.vms.edge.ai;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns per-frame {@link Alarm}s into events: consecutive alarm frames with the same (type, zone, key)
 * are one event from its first to its last frame; an alarm absent for longer than {@code gapMs}
 * (a blink of the detector) closes the event. Frames must come in capture order; frames whose ptsMs is
 * not after the last one seen (segment overlap) are ignored, so overlap is never counted twice.
 */
public final class EventAccumulator {
  /** A finished (or, from {@link #flush}, still open) event. */
  public record ModelEvent(String type, String zone, String key, long startFrame, long endFrame, long startPtsMs, long endPtsMs,
      double confidence, String reason) {
    public JsonObject toJson() {
      JsonObject j = new JsonObject().put("event", type);
      if (zone != null) j.put("zone", zone);
      if (key != null) j.put("key", key);
      return j.put("startFrame", startFrame).put("endFrame", endFrame).put("startPtsMs", startPtsMs).put("endPtsMs", endPtsMs)
          .put("confidence", Math.round(confidence * 1000) / 1000.0).put("reason", reason);
    }
  }

  private record Key(String type, String zone, String key) {}

  private static final class Open {
    long startFrame, endFrame, startPts, endPts;
    double confidence;
    String reason;
  }

  private final long gapMs;
  private final Map<Key, Open> open = new LinkedHashMap<>();
  private long lastPts = Long.MIN_VALUE;

  public EventAccumulator(long gapMs) {
    if (gapMs < 0) throw new IllegalArgumentException("gapMs must be >= 0");
    this.gapMs = gapMs;
  }

  /** Feeds one frame's result; returns the events that ended before it. */
  public List<ModelEvent> accept(FrameResult r) {
    Objects.requireNonNull(r, "result");
    if (r.ptsMs() <= lastPts) return List.of();
    lastPts = r.ptsMs();
    for (Alarm a : r.alarms()) {
      Open o = open.computeIfAbsent(new Key(a.type(), a.zone(), a.key()), k -> {
        Open n = new Open();
        n.startFrame = r.frameIndex();
        n.startPts = r.ptsMs();
        n.reason = a.reason();
        return n;
      });
      o.endFrame = r.frameIndex();
      o.endPts = r.ptsMs();
      o.confidence = Math.max(o.confidence, a.confidence());
    }
    List<ModelEvent> ended = new ArrayList<>();
    for (Iterator<Map.Entry<Key, Open>> it = open.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Open> e = it.next();
      if (r.ptsMs() - e.getValue().endPts > gapMs) {
        ended.add(toEvent(e.getKey(), e.getValue()));
        it.remove();
      }
    }
    return ended;
  }

  /** Ends every open event (end of file or of the stream). */
  public List<ModelEvent> flush() {
    List<ModelEvent> out = new ArrayList<>();
    open.forEach((k, o) -> out.add(toEvent(k, o)));
    open.clear();
    return out;
  }

  private static ModelEvent toEvent(Key k, Open o) {
    return new ModelEvent(k.type(), k.zone(), k.key(), o.startFrame, o.endFrame, o.startPts, o.endPts, o.confidence, o.reason);
  }
}
