package com.softdew.vms.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * What one model found on one segment of one camera: the AI workers produce it to
 * {@code Addresses.TOPIC_DETECTIONS} keyed by cameraId (Kafka only, never on the bus).
 *
 * @param jobId           the {@link VideoJob} it answers (duplicates after a worker restart are detectable by it)
 * @param customerId      tenant
 * @param model           model id ("fire", "crowd"...)
 * @param segmentStart    capture time of the segment's first frame (the job's timestamp)
 * @param frames          one object per analysed frame: {frame, ptsMs (epoch ms capture time), count, detections[], alarms[]}
 * @param latency         where the time went
 * @param node            node id of the worker host
 * @param device          where inference ran ("cpu", "cuda:0")
 */
public record DetectionResult(
    UUID jobId,
    UUID customerId,
    UUID cameraId,
    String model,
    long segmentSequence,
    Instant segmentStart,
    Priority priority,
    JsonArray frames,
    Latency latency,
    String node,
    String device) implements JsonRecord {

  public DetectionResult {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(customerId, "customerId");
    Objects.requireNonNull(cameraId, "cameraId");
    if (model == null || model.isBlank()) throw new InvalidFieldException("model", "must not be blank");
    if (segmentSequence < 0) throw new InvalidFieldException("segmentSequence", "must be >= 0");
    Objects.requireNonNull(segmentStart, "segmentStart");
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(frames, "frames");
    Objects.requireNonNull(latency, "latency");
    for (int i = 0; i < frames.size(); i++) {
      if (!(frames.getValue(i) instanceof JsonObject f)) throw new InvalidFieldException("frames[" + i + "]", "must be an object");
      int idx = i;
      Json.nested("frames[" + idx + "]", () -> {
        Json.longValue(f, "frame", 0, Long.MAX_VALUE);
        Json.longValue(f, "ptsMs", Long.MIN_VALUE, Long.MAX_VALUE);
        Json.longValue(f, "count", 0, Integer.MAX_VALUE);
        if (!(f.getValue("detections") instanceof JsonArray)) throw new InvalidFieldException("detections", "must be an array");
        Object a = f.getValue("alarms");
        if (a != null && !(a instanceof JsonArray)) throw new InvalidFieldException("alarms", "must be an array");
        return null;
      });
    }
  }

  /**
   * Milliseconds spent per stage of one job for one model.
   *
   * @param queueWaitMs            record received → its batch started (decode wait included)
   * @param decodeMs               decoding the segment (shared by every model of the host; 0 on a cache hit)
   * @param inferenceMs            perception + the model's session on this job's frames
   * @param postMs                 building the result and producing it until Kafka acknowledged it
   * @param totalMs                record received → result acknowledged
   * @param segmentCloseToResultMs end of the segment (start + duration, ≈ its close) → result acknowledged
   */
  public record Latency(long queueWaitMs, long decodeMs, long inferenceMs, long postMs, long totalMs, long segmentCloseToResultMs) {
    public Latency {
      if (queueWaitMs < 0) throw new InvalidFieldException("queueWaitMs", "must be >= 0");
      if (decodeMs < 0) throw new InvalidFieldException("decodeMs", "must be >= 0");
      if (inferenceMs < 0) throw new InvalidFieldException("inferenceMs", "must be >= 0");
      if (postMs < 0) throw new InvalidFieldException("postMs", "must be >= 0");
      if (totalMs < 0) throw new InvalidFieldException("totalMs", "must be >= 0");
    }

    public JsonObject toJson() {
      return new JsonObject().put("queueWaitMs", queueWaitMs).put("decodeMs", decodeMs).put("inferenceMs", inferenceMs)
          .put("postMs", postMs).put("totalMs", totalMs).put("segmentCloseToResultMs", segmentCloseToResultMs);
    }

    public static Latency fromJson(JsonObject j) {
      return new Latency(Json.longValue(j, "queueWaitMs", 0, Long.MAX_VALUE), Json.longValue(j, "decodeMs", 0, Long.MAX_VALUE),
          Json.longValue(j, "inferenceMs", 0, Long.MAX_VALUE), Json.longValue(j, "postMs", 0, Long.MAX_VALUE),
          Json.longValue(j, "totalMs", 0, Long.MAX_VALUE), Json.longValue(j, "segmentCloseToResultMs", Long.MIN_VALUE, Long.MAX_VALUE));
    }
  }

  /** Frames analysed. */
  public int frameCount() {
    return frames.size();
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("jobId", jobId.toString()).put("customerId", customerId.toString()).put("cameraId", cameraId.toString())
        .put("model", model).put("segmentSequence", segmentSequence).put("segmentStart", segmentStart.toString())
        .put("priority", priority.name()).put("frames", frames).put("latency", latency.toJson());
    if (node != null) j.put("node", node);
    if (device != null) j.put("device", device);
    return j;
  }

  public static DetectionResult fromJson(JsonObject j) {
    Object frames = j.getValue("frames");
    if (frames == null) throw new InvalidFieldException("frames", "is required");
    if (!(frames instanceof JsonArray fa)) throw new InvalidFieldException("frames", "must be an array");
    return new DetectionResult(
        Json.uuid(j, "jobId"), Json.uuid(j, "customerId"), Json.uuid(j, "cameraId"), Json.string(j, "model"),
        Json.longValue(j, "segmentSequence", 0, Long.MAX_VALUE), Json.instant(j, "segmentStart"),
        Priority.parse("priority", j.getString("priority")), fa,
        Json.nested("latency", () -> Latency.fromJson(Json.object(j, "latency"))),
        Json.optString(j, "node"), Json.optString(j, "device"));
  }
}
