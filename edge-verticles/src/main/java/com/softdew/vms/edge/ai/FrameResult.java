package com.softdew.vms.edge.ai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What one model saw on one frame.
 *
 * @param count  the model's headline number (people in zones for crowd, plates for ANPR, moving
 *               regions for motion...); detections.size() when the model has no better one
 * @param skipped true when the frame was not analysed (motion gating): detections and alarms empty
 */
public record FrameResult(String model, long frameIndex, long ptsMs, int count, List<Detection> detections, List<Alarm> alarms,
    boolean skipped) {
  public FrameResult {
    detections = List.copyOf(detections);
    alarms = List.copyOf(alarms);
  }

  public static FrameResult of(String model, FrameView f, List<Detection> detections, List<Alarm> alarms) {
    return new FrameResult(model, f.index(), f.ptsMs(), detections.size(), detections, alarms, false);
  }

  public static FrameResult skipped(String model, FrameView f) {
    return new FrameResult(model, f.index(), f.ptsMs(), 0, List.of(), List.of(), true);
  }

  public FrameResult withCount(int c) { return new FrameResult(model, frameIndex, ptsMs, c, detections, alarms, skipped); }

  public JsonObject toJson() {
    JsonArray d = new JsonArray();
    detections.forEach(x -> d.add(x.toJson()));
    JsonArray a = new JsonArray();
    alarms.forEach(x -> a.add(x.toJson()));
    JsonObject j = new JsonObject().put("frame", frameIndex).put("ptsMs", ptsMs).put("model", model).put("count", count).put("detections", d);
    if (!alarms.isEmpty()) j.put("alarms", a);
    if (skipped) j.put("skipped", true);
    return j;
  }
}
