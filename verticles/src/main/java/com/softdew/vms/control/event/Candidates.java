package com.softdew.vms.control.event;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns the frames of one {@code DetectionResult} (one model, one segment) into event candidates, one per
 * (alarm type, zone, key): alarms under the confidence threshold are dropped, frames that look like a global scene
 * change are suppressed (with the reason), and each candidate knows its frame times (deduplicated) and its longest
 * run of consecutive alarm frames (the persistence filter). Pure: no I/O.
 */
public final class Candidates {
  /** Analysed frame size of the AI workers (FrameNormalizer letterboxes every camera to 640x480). */
  public static final double FRAME_W = 640, FRAME_H = 480;

  /** Global scene change rules. */
  public record SceneRules(int maxZonesAtOnce, double maxChangedAreaFraction) {
    public static SceneRules defaults() {
      return new SceneRules(3, 0.5);
    }
  }

  /** Alarms of one (type, zone, key) in one record. */
  public static final class Candidate {
    public final String type;
    public final String zone;
    public final String trackKey;
    public final TreeSet<Long> frameTimes = new TreeSet<>();
    public int longestRun;
    public double maxConfidence;
    public JsonArray bestBox; // pixels [x, y, w, h] of the analysed frame, or null
    public String objectClass;
    public String reason;
    /** Why the candidate was suppressed (global scene change), null when it was not. */
    public String suppressedBecause;
    int run;
    long lastIndex = Long.MIN_VALUE;

    Candidate(String type, String zone, String trackKey) {
      this.type = type;
      this.zone = zone;
      this.trackKey = trackKey;
    }

    public long first() {
      return frameTimes.first();
    }

    public long last() {
      return frameTimes.last();
    }
  }

  /** Result of one record. */
  public record Result(List<Candidate> kept, List<Candidate> suppressed, int belowThreshold) {}

  private Candidates() {}

  /**
   * @param frames    the record's frames ({frame, ptsMs, detections[], alarms[]})
   * @param threshold minimum alarm confidence
   */
  public static Result of(JsonArray frames, double threshold, SceneRules rules) {
    Map<List<String>, Candidate> kept = new LinkedHashMap<>();
    Map<List<String>, Candidate> suppressed = new LinkedHashMap<>();
    int below = 0;
    long position = 0;
    for (Object o : frames) {
      position++;
      JsonObject f = (JsonObject) o;
      JsonArray alarms = f.getJsonArray("alarms");
      if (alarms == null || alarms.isEmpty()) continue;
      long pts = f.getLong("ptsMs");
      JsonArray dets = f.getJsonArray("detections", new JsonArray());
      String scene = sceneChange(alarms, dets, rules);
      Set<List<String>> seenThisFrame = new HashSet<>();
      for (Object ao : alarms) {
        JsonObject a = (JsonObject) ao;
        double conf = a.getDouble("confidence", 0.0);
        if (conf < threshold) {
          below++;
          continue;
        }
        String type = a.getString("type");
        String zone = a.getString("zone");
        String key = a.getString("key");
        List<String> gk = java.util.Arrays.asList(type, zone, key);
        Candidate c = (scene == null ? kept : suppressed).computeIfAbsent(gk, k -> new Candidate(type, zone, key));
        if (scene != null) c.suppressedBecause = scene;
        c.frameTimes.add(pts);
        if (seenThisFrame.add(gk)) {
          c.run = c.lastIndex == position - 1 ? c.run + 1 : 1;
          c.lastIndex = position;
          c.longestRun = Math.max(c.longestRun, c.run);
        }
        if (conf >= c.maxConfidence) {
          c.maxConfidence = conf;
          c.reason = a.getString("reason");
          JsonObject d = match(dets, zone, key);
          c.bestBox = d == null ? null : d.getJsonArray("box");
          c.objectClass = d == null ? type : d.getString("class", type);
        }
      }
    }
    List<Candidate> s = new ArrayList<>(suppressed.values());
    return new Result(new ArrayList<>(kept.values()), s, below);
  }

  /** Null, or why this frame is a global scene change (many zones alarm at once, or most of the image changed). */
  static String sceneChange(JsonArray alarms, JsonArray dets, SceneRules rules) {
    Set<String> zones = new HashSet<>();
    for (Object ao : alarms) {
      String z = ((JsonObject) ao).getString("zone");
      if (z != null) zones.add(z);
    }
    if (zones.size() >= rules.maxZonesAtOnce()) {
      return "global scene change: " + zones.size() + " zones alarmed on one frame (>= " + rules.maxZonesAtOnce() + ")";
    }
    double area = 0;
    for (Object o : dets) {
      JsonArray b = ((JsonObject) o).getJsonArray("box");
      if (b != null && b.size() == 4) area += b.getDouble(2) * b.getDouble(3);
    }
    double frac = area / (FRAME_W * FRAME_H);
    if (frac >= rules.maxChangedAreaFraction()) {
      return String.format(java.util.Locale.ROOT, "global scene change: detections cover %.0f%% of the image (>= %.0f%%)", frac * 100,
          rules.maxChangedAreaFraction() * 100);
    }
    return null;
  }

  /** The detection an alarm is about: same track (the alarm key), else same zone, else the most confident. */
  static JsonObject match(JsonArray dets, String zone, String key) {
    JsonObject best = null;
    for (Object o : dets) {
      JsonObject d = (JsonObject) o;
      if (key != null && key.equals(d.getString("track"))) return d;
      if (zone != null && Objects.equals(zone, d.getString("zone")) && (best == null || d.getDouble("confidence", 0.0) > best.getDouble("confidence", 0.0))) {
        best = d;
      }
    }
    if (best != null) return best;
    for (Object o : dets) {
      JsonObject d = (JsonObject) o;
      if (best == null || d.getDouble("confidence", 0.0) > best.getDouble("confidence", 0.0)) best = d;
    }
    return best;
  }

  /** A pixel box of the analysed frame as the seed's normalised box, clamped to [0, 1]. */
  public static JsonObject normalised(JsonArray box) {
    if (box == null || box.size() != 4) return null;
    double x = clamp(box.getDouble(0) / FRAME_W), y = clamp(box.getDouble(1) / FRAME_H);
    double w = Math.min(clamp(box.getDouble(2) / FRAME_W), 1 - x), h = Math.min(clamp(box.getDouble(3) / FRAME_H), 1 - y);
    return new JsonObject().put("x", x).put("y", y).put("width", w).put("height", h);
  }

  private static double clamp(double v) {
    return Math.max(0, Math.min(1, v));
  }
}
