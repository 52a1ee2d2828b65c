package com.softdew.vms.edge.record;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Time during which a camera stream was not recorded although its mode wanted it (stream dropped, then came
 * back). The SD-card gap filler tries to fill it; what stays unfilled is listed by the playback API.
 *
 * @param stream "main" or "sub"
 */
public record RecordingGap(String tenantId, String cameraId, String stream, Instant start, Instant end, String reason) {

  public RecordingGap {
    if (stream == null || stream.isEmpty()) stream = "main";
  }

  public RecordingGap(String tenantId, String cameraId, Instant start, Instant end, String reason) {
    this(tenantId, cameraId, "main", start, end, reason);
  }

  public JsonObject toJson() {
    return new JsonObject().put("tenantId", tenantId).put("cameraId", cameraId).put("stream", stream)
        .put("start", start.toString()).put("end", end.toString()).put("reason", reason);
  }

  public static RecordingGap fromJson(JsonObject j) {
    return new RecordingGap(j.getString("tenantId"), j.getString("cameraId"), j.getString("stream", "main"),
        Instant.parse(j.getString("start")), Instant.parse(j.getString("end")), j.getString("reason", ""));
  }
}
