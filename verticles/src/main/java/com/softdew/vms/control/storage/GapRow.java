package com.softdew.vms.control.storage;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A time span of a camera stream without footage: what the recorder reported as a gap (table
 * {@code recording_gap}) minus what was filled since (SD card segments cover it).
 *
 * @param fillState "open" (nothing filled yet), "partial", "filled" or "unfillable" (the camera had nothing)
 */
public record GapRow(String tenantId, String cameraId, String stream, Instant start, Instant end, String reason,
    String fillState, String fillNote) {

  public JsonObject toJson() {
    return new JsonObject().put("cameraId", cameraId).put("stream", stream).put("start", start.toString())
        .put("end", end.toString()).put("reason", reason).put("fillState", fillState).put("fillNote", fillNote);
  }
}
