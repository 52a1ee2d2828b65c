package com.softdew.vms.edge.record;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** Time during which a camera's main stream was not recorded (stream dropped, then came back). */
public record RecordingGap(String tenantId, String cameraId, Instant start, Instant end, String reason) {

  public JsonObject toJson() {
    return new JsonObject().put("tenantId", tenantId).put("cameraId", cameraId).put("start", start.toString())
        .put("end", end.toString()).put("reason", reason);
  }
}
